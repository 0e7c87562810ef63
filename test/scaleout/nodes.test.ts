/**
 * Several real `chengyun serve` processes on one PostgreSQL database and one NATS JetStream:
 * a live stream on one node gets what happened on another, once; SLA timers fire once across
 * nodes; when a node is killed the others keep serving and firing and take over its lease.
 * PostgreSQL only: the embedded database (PGlite) belongs to one process.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/storage/db.ts';
import { backend, cloneTemplate } from '../support/backend.ts';
import { pointInside } from '../support/geo.ts';
import { call, natsReachable, NATS_URL, nodeEnv, openStream, signIn, sleep, startNode, tearDown, until, type LiveStream, type Node } from './support.ts';

const runnable = backend === 'postgres' && (await natsReachable());
const LEASE_MS = 3_000;

describe.skipIf(!runnable)('three nodes on one PostgreSQL and NATS (PostgreSQL backend with NATS only: PGlite is single-process)', () => {
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const nodes: Node[] = [];
  const streams: LiveStream[] = [];
  let db: Db;
  let drop: () => Promise<void> = async () => undefined;

  afterAll(async () => {
    for (const s of streams) s.close();
    await tearDown({ nodes, db, drop, namespace });
  });

  // The case loop's own events (triage may add a duplicate proposal about the same case).
  const eventsOf = (s: LiveStream, subjectId: string, type?: string) =>
    s.events.filter((e) => e.data.subject.id === subjectId && (type ? e.type === type : e.type.startsWith('case.')));

  /** Makes a case's pending timers due now; resolves once every node's workers have fired them, with how many. */
  const fireTimersOf = async (caseId: string): Promise<number> => {
    const due = await db.query(`update case_timer set due_at = now() - interval '1 second' where case_id = $1 and fired_at is null returning 1`, [caseId]);
    await until('timers to fire', async () => (await db.query('select 1 from case_timer where case_id = $1 and fired_at is null', [caseId])).length === 0);
    return due.length;
  };

  const report = async (node: Node, headers: Record<string, string>, point: [number, number], text: string) => {
    const res = await call(node.base, 'POST', '/api/v1/cases', { categoryCode: 'E0102', description: text, location: { lon: point[0], lat: point[1] } }, headers);
    expect(res.status, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };

  it('shares live events and timers across nodes and survives one being killed', { timeout: 300_000 }, async () => {
    const t0 = performance.now();
    const step = (what: string) => process.stderr.write(`  nodes: ${what} at ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const clone = await cloneTemplate();
    drop = clone.drop;
    db = await openDb(clone);
    const started = await Promise.all([1, 2, 3].map((i) => startNode(`n${i}`, nodeEnv(clone, {
      NATS_URL, CHENGYUN_NATS_NAMESPACE: namespace, CHENGYUN_NODE_ID: `${namespace}-n${i}`, CHENGYUN_NODE_LEASE_MS: String(LEASE_MS),
    }))));
    nodes.push(...started);
    step('three nodes listening');
    const [a, b, c] = nodes;
    const citizenA = await signIn(a.base, 'citizen');
    const operator = await signIn(b.base, 'city.operator');
    const outline = await call(b.base, 'GET', '/api/v1/divisions/500103003/geometry', undefined, operator);
    const [p0, p1] = [pointInside(outline.json<{ geometry: never }>().geometry, 0), pointInside(outline.json<{ geometry: never }>().geometry, 1)];
    // Tokens live in the database: one sign-in works on every node.
    const [sa, sb, sc] = nodes.map((n) => openStream(n.base, operator));
    streams.push(sa, sb, sc);
    await Promise.all(streams.map((s) => s.opened));

    step('streams open');
    // A case reported through node A shows on streams of A, B and C, once each, logged once.
    const first = await report(a, citizenA, p0, '多节点测试: 井盖缺失');
    await until('the case on every stream', () => streams.every((s) => eventsOf(s, first, 'case.created').length > 0));
    await sleep(500);
    for (const s of streams) expect(eventsOf(s, first, 'case.created')).toHaveLength(1);
    expect(await db.query(`select 1 from event_log where subject_id = $1 and type = 'case.created'`, [first])).toHaveLength(1);

    step('first case seen on every stream');
    // Its timers fire once across the three nodes' workers.
    const k = await fireTimersOf(first);
    expect(k).toBeGreaterThan(1);
    await until('timer events on node C', () => eventsOf(sc, first).length === 1 + k);
    await sleep(2_500); // two more worker passes on every node
    expect(await db.query(`select 1 from case_supervision where case_id = $1 and kind in ('warning', 'escalation')`, [first])).toHaveLength(k);
    const escalations = await db.query<{ n: number }>(`select count(*)::int as n from case_timer where case_id = $1 and kind <> 'warn'`, [first]);
    expect(await db.query(`select 1 from audit_log where action = 'case.escalate' and entity_id = $1`, [first])).toHaveLength(escalations[0].n);
    for (const s of streams) expect(eventsOf(s, first)).toHaveLength(1 + k);
    const live = async () => (await db.query<{ id: string }>(`select id from cluster_node where id like $1 and seen_at >= now() - interval '${LEASE_MS} milliseconds' order by id`, [`${namespace}-%`])).map((r) => r.id);
    expect(await live()).toEqual([1, 2, 3].map((i) => `${namespace}-n${i}`));

    step('timers fired once');
    // Node A dies without a word; B and C go on, and A's lease runs out.
    a.child.kill('SIGKILL');
    await a.exited;
    sa.close();
    const citizenB = await signIn(b.base, 'citizen');
    const second = await report(b, citizenB, p1, '多节点测试: 路灯不亮');
    await until('the second case on node C', () => eventsOf(sc, second, 'case.created').length > 0);
    step('second case seen on node C');
    const k2 = await fireTimersOf(second);
    await until('its timer events on node C', () => eventsOf(sc, second).length === 1 + k2);
    await sleep(2_500);
    expect(eventsOf(sb, second)).toHaveLength(1 + k2);
    expect(eventsOf(sc, second)).toHaveLength(1 + k2);
    expect(await db.query(`select 1 from case_supervision where case_id = $1 and kind in ('warning', 'escalation')`, [second])).toHaveLength(k2);
    step('second case timers fired');
    await until("node A's lease to run out", async () => (await live()).length === 2, LEASE_MS * 4);
    expect(await live()).toEqual([2, 3].map((i) => `${namespace}-n${i}`));

    step('node A lease ran out');
    const verify = await call(b.base, 'GET', '/api/v1/audit/verify', undefined, await signIn(b.base, 'admin'));
    expect(verify.json<{ ok: boolean }>().ok, verify.body).toBe(true);

    // A clean stop leaves the cluster at once and exits 0.
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(await live()).toEqual([`${namespace}-n2`]);
  });
});
