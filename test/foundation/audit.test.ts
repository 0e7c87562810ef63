import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { verifyAuditLog } from '../../src/audit/index.ts';

const app = await useTestApp();

describe('hash-chained audit log', () => {
  it('records every state change with who, when, before and after', async () => {
    const admin = await app.as('admin');
    const created = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: { ...admin, 'x-request-id': 'req-audit-1' },
      payload: { username: 'audit.probe', displayName: '审计测试', password: 'AuditProbe2026', role: 'operator', unitId: 'C-500103' },
    });
    const id = created.json().id;
    await app.server.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: admin, payload: { displayName: '审计测试二' } });
    const log = await app.server.inject({ url: `/api/v1/audit?entityType=user&entityId=${id}`, headers: admin });
    const [update, create] = log.json().items;
    expect(create).toMatchObject({ action: 'user.create', requestId: 'req-audit-1', before: null, after: { username: 'audit.probe' } });
    expect(update).toMatchObject({ action: 'user.update', before: { displayName: '审计测试' }, after: { displayName: '审计测试二' } });
    const adminId = (await app.server.inject({ url: '/api/v1/auth/me', headers: admin })).json().user.id;
    expect(update.actor).toBe(adminId);
    expect(update.seq).toBeGreaterThan(create.seq);
  });

  it('verifies an intact chain and detects an edited row', async () => {
    const admin = await app.as('admin');
    const ok = await app.server.inject({ url: '/api/v1/audit/verify', headers: admin });
    expect(ok.json()).toMatchObject({ ok: true, faults: [] });
    expect(ok.json().entries).toBeGreaterThan(3);
    const [victim] = await app.ctx.db.query<{ seq: number }>(`select seq from audit_log where action = 'user.update' order by seq limit 1`);
    await app.ctx.db.query(`update audit_log set after = jsonb_set(after, '{displayName}', '"篡改"') where seq = $1`, [victim.seq]);
    const tampered = await verifyAuditLog(app.ctx.db);
    expect(tampered.faults).toContainEqual(expect.objectContaining({ seq: victim.seq, problem: 'hash-mismatch' }));
    const api = await app.server.inject({ url: '/api/v1/audit/verify', headers: admin });
    expect(api.json().ok).toBe(false);
  });

  it('detects a deleted row and a deleted tail', async () => {
    // One entity's history is one chain: give a user three entries, then delete the chain's
    // second entry and then its last.
    const admin = await app.as('admin');
    const created = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: admin,
      payload: { username: 'audit.chain', displayName: '链测试', password: 'AuditChain2026', role: 'operator', unitId: 'C-500103' },
    });
    const id = created.json().id;
    for (const displayName of ['链测试二', '链测试三']) {
      await app.server.inject({ method: 'PATCH', url: `/api/v1/users/${id}`, headers: admin, payload: { displayName } });
    }
    const [chain] = await app.ctx.db.query<{ chain: number }>(`select chain from audit_log where entity_type = 'user' and entity_id = $1 limit 1`, [id]);
    const rows = await app.ctx.db.query<{ seq: number; chain_seq: number }>('select seq, chain_seq from audit_log where chain = $1 order by chain_seq', [chain.chain]);
    await app.ctx.db.query('delete from audit_log where seq = $1', [rows[1].seq]);
    const gap = await verifyAuditLog(app.ctx.db);
    expect(gap.faults).toContainEqual(expect.objectContaining({ chain: chain.chain, seq: rows[2].seq, problem: 'gap' }));
    expect(gap.faults).toContainEqual(expect.objectContaining({ chain: chain.chain, seq: rows[2].seq, problem: 'broken-link' }));
    await app.ctx.db.query('delete from audit_log where seq = $1', [rows.at(-1)!.seq]);
    const tail = await verifyAuditLog(app.ctx.db);
    expect(tail.faults).toContainEqual(expect.objectContaining({ chain: chain.chain, problem: 'head-mismatch' }));
  });

  it('is readable only at the city center', async () => {
    expect((await app.server.inject({ url: '/api/v1/audit', headers: await app.as('yuzhong.admin') })).statusCode).toBe(403);
    expect((await app.server.inject({ url: '/api/v1/audit/verify', headers: await app.as('city.operator') })).statusCode).toBe(403);
  });
});
