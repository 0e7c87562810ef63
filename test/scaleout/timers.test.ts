/**
 * SLA timers and webhook deliveries with several workers on one database: every due warning and
 * escalation fires once (one supervision row, one timeline entry, one audit entry, one live
 * event), while operators act on the same cases meanwhile; every delivery is POSTed once. On PostgreSQL each worker has its own connection pool, as
 * separate nodes would; the embedded database is one process, so its workers share the handle.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { makeContext, type AppContext } from '../../src/app.ts';
import { fireDueTimers } from '../../src/cases/timers.ts';
import { deliverDueWebhooks } from '../../src/notify/index.ts';
import { domainEvent, eventually } from '../notify/helpers.ts';
import { MemoryEventBus, type DomainEvent } from '../../src/events/bus.ts';
import { openDb, type Db } from '../../src/storage/db.ts';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';

const app = await useTestApp({ now: '2026-11-02T01:00:00Z' });
const WORKERS = 3;
const CASES = 24;

/** Worker contexts as separate nodes would have them: own pools on PostgreSQL, the one handle embedded. */
async function workerContexts(clock: () => Date, onEvent: (e: DomainEvent) => void = () => undefined): Promise<{ workers: AppContext[]; close(): Promise<void> }> {
  const dbs: Db[] = [];
  const workers: AppContext[] = [];
  for (let w = 0; w < WORKERS; w++) {
    const db = app.ctx.db.kind === 'postgres' ? await openDb({ databaseUrl: app.ctx.config.databaseUrl }) : app.ctx.db;
    if (db !== app.ctx.db) dbs.push(db);
    const bus = new MemoryEventBus();
    bus.subscribe(onEvent);
    workers.push(makeContext({ config: app.ctx.config, db, city: app.ctx.city, log: pino({ level: 'silent' }), clock, bus }));
  }
  return { workers, close: async () => { await Promise.all(dbs.map((db) => db.close())); } };
}

describe('SLA timers across several workers', () => {
  it('fires each due warning and escalation exactly once', async () => {
    const [citizen, districtOp, cityOp] = await Promise.all(['citizen', 'yuzhong.operator', 'city.operator'].map((u) => app.as(u)));
    const ids: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const [lon, lat] = await pointIn(app, '500103003', cityOp, i);
      const res = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: citizen, payload: { categoryCode: 'E0102', description: `并发计时测试 ${i}`, location: { lon, lat }, urgency: i % 2 ? 'critical' : 'normal' } });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    const [{ n: timers }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from case_timer where case_id = any($1::text[]) and fired_at is null', [ids]);
    expect(timers).toBeGreaterThan(CASES);

    const later = new Date('2026-12-20T01:00:00Z');
    const events: DomainEvent[] = [];
    const { workers, close } = await workerContexts(() => later, (e) => { events.push(e); });
    // Small batches so the workers interleave; operators accept half of the cases meanwhile.
    const run = async (ctx: AppContext) => {
      let fired = 0;
      for (let idle = 0; idle < 3;) {
        const n = await fireDueTimers(ctx, 3);
        fired += n;
        idle = n === 0 ? idle + 1 : 0;
      }
      return fired;
    };
    const actions = (async () => {
      const statuses: number[] = [];
      for (const id of ids.filter((_, i) => i % 2 === 0)) {
        statuses.push((await app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/accept`, headers: districtOp, payload: {} })).statusCode);
      }
      return statuses;
    })();
    let counts: number[];
    let rest: number;
    try {
      counts = await Promise.all(workers.map(run));
      expect(new Set(await actions)).toEqual(new Set([200]));
      // Accepting recomputes the clock and may add new timers for the next stage: fire those too.
      rest = await run(workers[0]);
    } finally {
      await actions.catch(() => undefined);
      await close();
    }

    const [{ n: left }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from case_timer where case_id = any($1::text[]) and fired_at is null and due_at <= $2', [ids, later]);
    expect(left).toBe(0);
    const fired = counts.reduce((a, b) => a + b, 0) + rest;
    expect(fired).toBeGreaterThan(CASES);
    if (app.ctx.db.kind === 'postgres') expect(counts.filter((n) => n > 0).length, 'every worker took a share').toBeGreaterThan(1);

    const [{ n: firedRows }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from case_timer where case_id = any($1::text[]) and fired_at is not null', [ids]);
    const supervisions = await app.ctx.db.query<{ case_id: string; kind: string; tier: string; note: string }>(
      `select case_id, kind, tier, note from case_supervision where case_id = any($1::text[]) and kind in ('warning', 'escalation')`, [ids]);
    const timeline = await app.ctx.db.query<{ n: number }>(`select count(*)::int as n from case_event where case_id = any($1::text[]) and action in ('warn', 'escalate')`, [ids]);
    const audits = await app.ctx.db.query<{ entity_id: string; after: { tier: string; stage: string; dueAt: string } }>(
      `select entity_id, after from audit_log where action = 'case.escalate' and entity_id = any($1::text[])`, [ids]);
    expect(firedRows).toBe(fired);
    expect(supervisions).toHaveLength(fired);
    expect(timeline[0].n).toBe(fired);
    expect(events).toHaveLength(fired);
    expect(new Set(events.map((e) => e.id)).size).toBe(fired);
    // No escalation twice: one audit entry per (case, stage, tier, due time).
    const keys = audits.map((a) => `${a.entity_id}|${a.after.stage}|${a.after.tier}|${a.after.dueAt}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(audits.length).toBe(supervisions.filter((s) => s.kind === 'escalation').length);
    expect(audits.length).toBeGreaterThan(0);
    const verify = await app.server.inject({ url: '/api/v1/audit/verify', headers: await app.as('admin') });
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json().ok).toBe(true);
  });

  it('posts each webhook delivery once with several workers', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      received.push(String(req.headers['x-chengyun-delivery']));
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { workers, close } = await workerContexts(() => app.ctx.clock());
    try {
      const hook = await app.server.inject({
        method: 'POST', url: '/api/v1/webhooks', headers: await app.as('admin'),
        payload: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, eventTypes: ['race.*'], secret: 'whsec-race-0123456789abcdef' },
      });
      expect(hook.statusCode, hook.body).toBe(201);
      const published = Array.from({ length: 60 }, () => domainEvent('race.test', { divisionCodes: ['500000'] }, app.ctx.clock().toISOString()));
      for (const e of published) app.ctx.bus.publish(e);
      await eventually(async () => (await app.ctx.db.query<{ n: number }>(`select count(*)::int as n from webhook_delivery where event_id = any($1::text[])`, [published.map((e) => e.id)]))[0].n === 60);
      const run = async (ctx: AppContext) => {
        while ((await deliverDueWebhooks(ctx, { batch: 4 })) > 0);
      };
      await Promise.all(workers.map(run));
      const rows = await app.ctx.db.query<{ id: string; status: string }>(`select id, status from webhook_delivery where event_id = any($1::text[])`, [published.map((e) => e.id)]);
      expect(rows.every((r) => r.status === 'delivered')).toBe(true);
      expect([...received].sort()).toEqual(rows.map((r) => r.id).sort());
    } finally {
      await close();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
