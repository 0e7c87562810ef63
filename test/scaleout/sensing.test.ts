/**
 * Sensor rule evaluation partitioned across three real `chengyun serve` processes on one
 * PostgreSQL and NATS: readings posted to any node are evaluated by the sensor's owner; when
 * the owner is killed (SIGKILL) half-way through sustained conditions, the survivors take its
 * sensors over and every alarm is raised exactly once — including conditions completed by
 * readings that were sent to the dead node before its lease ran out.
 * PostgreSQL only: the embedded database (PGlite) belongs to one process.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { rendezvousOwner } from '../../src/cluster/index.ts';
import { openDb, type Db } from '../../src/storage/db.ts';
import { backend, cloneTemplate } from '../support/backend.ts';
import { pointInside } from '../support/geo.ts';
import { call, natsReachable, NATS_URL, nodeEnv, signIn, sleep, startNode, tearDown, until, type Node } from './support.ts';

const runnable = backend === 'postgres' && (await natsReachable());
const LEASE_MS = 3_000;
const SENSORS = 30;
const GATEWAY = { code: 'PART-GW', secret: 'partition-gateway-secret-0123456789' };

interface Partitioned { live: string[]; adopted: number; released: number; replayed: number }

/** The node's "sensor rules partitioned" log lines. */
function handovers(node: Node): Partitioned[] {
  return node.output().split('\n').filter((line) => line.includes('"sensor rules partitioned"')).map((line) => JSON.parse(line) as Partitioned);
}

describe.skipIf(!runnable)('sensor rules partitioned across three nodes (PostgreSQL backend with NATS only: PGlite is single-process)', () => {
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const nodes: Node[] = [];
  let db: Db;
  let drop: () => Promise<void> = async () => undefined;

  afterAll(async () => {
    await tearDown({ nodes, db, drop, namespace });
  });

  it('evaluates each sensor on one node and, when that node is killed mid-condition, raises every alarm once', { timeout: 300_000 }, async () => {
    onTestFailed(() => {
      // What the nodes said, without the request log.
      for (const n of nodes) process.stderr.write(`---- ${n.name}\n${n.output().split('\n').filter((l) => !/"(incoming request|request completed)"/.test(l)).join('\n').slice(-8000)}\n`);
    });
    const t0 = performance.now();
    const step = (what: string) => process.stderr.write(`  partition: ${what} at ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const clone = await cloneTemplate();
    drop = clone.drop;
    db = await openDb(clone);
    const ids = [1, 2, 3].map((i) => `${namespace}-n${i}`);
    nodes.push(...await Promise.all(ids.map((id, i) => startNode(`n${i + 1}`, nodeEnv(clone, {
      NATS_URL, CHENGYUN_NATS_NAMESPACE: namespace, CHENGYUN_NODE_ID: id, CHENGYUN_NODE_LEASE_MS: String(LEASE_MS),
    })))));
    step('three nodes listening');

    // Gas sensors (%LEL; red at 25 sustained 30 s) behind one gateway, registered through node 1.
    const admin = await signIn(nodes[0].base, 'admin');
    const outline = (await call(nodes[0].base, 'GET', '/api/v1/divisions/500103003/geometry', undefined, admin)).json<{ geometry: never }>().geometry;
    const gateway = await call(nodes[0].base, 'POST', '/api/v1/gateways', { code: GATEWAY.code, name: '分区测试网关', ownerUnitId: 'D-500000-gas', secret: GATEWAY.secret }, admin);
    expect(gateway.status, gateway.body).toBe(201);
    const csv = ['code,type,lon,lat,gateway', ...Array.from({ length: SENSORS }, (_, i) => {
      const [lon, lat] = pointInside(outline, i);
      return `PART-${i},gas_lel,${lon},${lat},${GATEWAY.code}`;
    })].join('\n');
    const imported = await fetch(`${nodes[0].base}/api/v1/sensors/import`, { method: 'POST', headers: { ...admin, 'content-type': 'text/csv' }, body: csv });
    expect(imported.status, await imported.text()).toBe(201);
    const sensors = await db.query<{ id: string; code: string }>(`select id, code from sensing_sensor where code like 'PART-%' order by num`);
    expect(sensors).toHaveLength(SENSORS);

    // Registered on node 1, told to the others: each takes their readings (quiet ones, a minute back).
    const gatewayAuth = { authorization: `Gateway ${GATEWAY.code}:${GATEWAY.secret}` };
    const base = Date.now() - 15_000;
    for (const [i, node] of nodes.entries()) {
      await until(`node ${i + 1} to know the sensors`, async () =>
        (await call(node.base, 'POST', '/api/v1/ingest/readings', sensors.map((x) => ({ sensor: x.code, ts: base - 60_000 + i, value: 0 })), gatewayAuth)).status === 200);
    }

    // Every node has split the sensors three ways (each logs its share once the others are known).
    await until('every node to settle on three nodes', () => nodes.every((n) => handovers(n).some((h) => h.live.length === 3)), 30_000);
    const ownerOf = (id: string, live: readonly string[]) => rendezvousOwner(live, id)!;
    const victim = ids.reduce((best, id) => (sensors.filter((s) => ownerOf(s.id, ids) === id).length > sensors.filter((s) => ownerOf(s.id, ids) === best).length ? id : best));
    const victimNode = nodes[ids.indexOf(victim)];
    const survivors = nodes.filter((n) => n !== victimNode);
    const ofVictim = sensors.filter((s) => ownerOf(s.id, ids) === victim);
    expect(ofVictim.length).toBeGreaterThanOrEqual(4);
    // Half of the victim's sensors cross red before the kill, half are half-way through their 30 s.
    const raisedBefore = ofVictim.slice(0, Math.floor(ofVictim.length / 2));
    const pending = [...ofVictim.slice(raisedBefore.length), ...sensors.filter((s) => ownerOf(s.id, ids) !== victim)];
    step(`victim ${victim} owns ${ofVictim.length} of ${SENSORS} sensors`);

    let turn = 0;
    /** Posts readings (26 %LEL: red) of `of` at the given seconds after base, each batch to the next of `to`. */
    const post = async (of: readonly { code: string }[], seconds: readonly number[], to: readonly Node[], value = 26) => {
      for (const s of seconds) {
        const node = to[turn++ % to.length];
        const res = await call(node.base, 'POST', '/api/v1/ingest/readings', of.map((x) => ({ sensor: x.code, ts: base + s * 1000, value })), gatewayAuth);
        expect(res.status, res.body).toBe(200);
        expect(res.json<{ accepted: number }>().accepted).toBe(of.length);
        // Paced like devices: a batch forwarded to its owner gets there before the next one.
        await sleep(300);
      }
    };
    const alarmsOf = async (list: readonly { id: string }[]) => db.query<{ subject_id: string; level: string; state: string; raises: number }>(
      `select a.subject_id, a.level, a.state, (select count(*)::int from alarm_event e where e.alarm_id = a.id and e.action = 'raise') as raises
         from alarm a where a.subject_id = any($1::text[]) order by a.subject_id`, [list.map((s) => s.id)]);

    // Readings go to all three nodes in turn; each sensor's owner evaluates them.
    await post(raisedBefore, [0, 10, 20, 30], nodes);
    await post(pending, [0, 10, 20], nodes);
    await until('the victim to raise its alarms', async () => (await alarmsOf(raisedBefore)).length === raisedBefore.length);
    expect(await alarmsOf(pending)).toEqual([]);
    step('alarms raised by the victim; the rest half-way');

    const seenBefore = survivors.map((n) => handovers(n).length);
    victimNode.child.kill('SIGKILL');
    await victimNode.exited;
    step('victim killed');
    // At once, while the victim's lease still runs: these readings are sent to the dead node.
    await post(pending, [30, 40], survivors);
    await post(raisedBefore, [40], survivors);

    const takeoverOf = (n: Node, i: number) => handovers(n).slice(seenBefore[i]).find((h) => !h.live.includes(victim));
    await until('the survivors to take the victim\'s sensors over', () => survivors.every((n, i) => takeoverOf(n, i)), LEASE_MS * 6);
    const takeovers = survivors.map((n, i) => takeoverOf(n, i)!);
    expect(takeovers.reduce((sum, h) => sum + h.adopted, 0)).toBe(ofVictim.length);
    step(`taken over: ${takeovers.map((h) => `${h.adopted} sensors, ${h.replayed} readings replayed`).join('; ')}`);

    await until('every pending condition to complete', async () => (await alarmsOf(pending)).length === pending.length);
    // Let any second raise show itself before counting.
    await sleep(2_000);
    const all = await alarmsOf(sensors);
    expect(all).toHaveLength(SENSORS);
    for (const a of all) expect(a, a.subject_id).toMatchObject({ level: 'red', state: 'active', raises: 1 });
    step('every alarm raised once');

    // Cleared by hand on a node that does not evaluate the sensor: its owner starts the condition afresh.
    const survivorIds = ids.filter((id) => id !== victim);
    const handled = ofVictim[0];
    const [owner, other] = ownerOf(handled.id, survivorIds) === survivorIds[0] ? survivors : [survivors[1], survivors[0]];
    const [alarm] = await db.query<{ id: string }>(`select id from alarm where subject_id = $1`, [handled.id]);
    const cleared = await call(other.base, 'POST', `/api/v1/alarms/${alarm.id}/clear`, { note: '现场核实为误报' }, await signIn(other.base, 'admin'));
    expect(cleared.status, cleared.body).toBe(200);
    // The owner hears of it through the event stream (milliseconds); readings before that would still count as red.
    await sleep(1_000);
    await post([handled], [45, 60], [owner, other]);
    await sleep(1_000);
    expect((await alarmsOf([handled])).map((a) => a.state)).toEqual(['cleared']);
    await post([handled], [75], [other]);
    await until('a new alarm after 30 s anew', async () => (await alarmsOf([handled])).length === 2);
    step('a clear by hand on another node restarted the condition on the owner');

    // The new owners go on from the state they took over: 120 s below the clear threshold clears each alarm, once.
    const rest = sensors.filter((x) => x !== handled);
    await post(rest, [50, 175], survivors, 3);
    await until('every alarm to clear', async () => (await alarmsOf(rest)).every((a) => a.state === 'cleared'));
    const clears = await db.query<{ n: number }>(
      `select count(*)::int as n from alarm_event e join alarm a on a.id = e.alarm_id where a.subject_id = any($1::text[]) and e.action = 'clear'`, [rest.map((x) => x.id)]);
    expect(clears[0].n).toBe(rest.length);
    step('every alarm cleared once');
  });
});
