/**
 * Crash safety: case intake at a steady rate against a real `chengyun serve` process that is
 * killed with SIGKILL at seeded random moments and restarted. Clients retry every request with
 * its Idempotency-Key until they get a 2xx. While the server is down, some SLA timers are made
 * due, so the worker fires them in a server that may be killed mid-way. Afterwards:
 * every acknowledged report is stored exactly once, every due timer fired exactly once
 * (supervision, timeline, audit), and the audit chain verifies.
 */
import http from 'node:http';
import { verifyAuditLog } from '../../src/audit/index.ts';
import { mulberry32 } from '../../src/random.ts';
import { openDb } from '../../src/storage/db.ts';
import { pointInside } from '../support/geo.ts';
import { call, nodeEnv, signIn, sleep, startNode, type Node } from './support.ts';

export interface CrashOptions {
  clone: { databaseUrl?: string; dataDir?: string };
  seed: number;
  kills: number;
  /** Clients sending reports one after another. */
  clients: number;
  /** Pause between a client's reports. */
  pauseMs: number;
  /** Reports the restarted server acknowledges before the next kill may come. */
  acksBetweenKills: number;
  /** Then the kill comes this much later (uniformly), so it lands at any point of a request. */
  upMs: [number, number];
  /** Timers made due while the server is down, each time. */
  timersPerKill: number;
  progress?: (line: string) => void;
}

export interface CrashReport {
  kills: number;
  acknowledged: number;
  /** Acknowledgements that were replays: the first attempt was stored but its answer lost. */
  replayed: number;
  retries: number;
  storedCases: number;
  duplicateCases: number;
  missingCases: number;
  timersMadeDue: number;
  timersUnfired: number;
  /** Cases whose supervision, timeline or audit entries do not match their fired timers one to one. */
  timerMismatches: string[];
  auditEntries: number;
  auditFaults: number;
  restartMs: number[];
}

const DESCRIPTION = (key: string) => `崩溃测试上报 ${key}`;

export async function runCrashHarness(o: CrashOptions): Promise<CrashReport> {
  const random = mulberry32(o.seed);
  // Info level: the harness learns the port from the 'listening at' line.
  const env = nodeEnv(o.clone, { LOG_LEVEL: 'info' });
  const say = o.progress ?? (() => undefined);
  let node: Node = await startNode('crash', env);
  const citizen = await signIn(node.base, 'citizen');
  const operator = await signIn(node.base, 'city.operator');
  const outline = (await call(node.base, 'GET', '/api/v1/divisions/500103003/geometry', undefined, operator)).json<{ geometry: never }>().geometry;
  const points = Array.from({ length: 20 }, (_, i) => pointInside(outline, i));

  // A fresh connection per report: a pooled socket of the killed process must not be reused.
  const agent = new http.Agent({ keepAlive: false });
  const acked = new Map<string, string>();
  let replayed = 0;
  let retries = 0;
  let running = true;
  let serial = 0;

  /** One report, retried with its key until acknowledged. */
  const report = async (client: number) => {
    const key = `crash-${o.seed}-${client}-${serial++}`;
    const [lon, lat] = points[serial % points.length];
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await call(node.base, 'POST', '/api/v1/cases', { categoryCode: 'E0102', description: DESCRIPTION(key), location: { lon, lat } }, { ...citizen, 'idempotency-key': key }, agent);
        if (res.status === 201 || res.status === 200) {
          acked.set(key, res.json<{ id: string }>().id);
          if (res.status === 200) replayed++;
          return;
        }
        if (res.status < 500) throw new Error(`report ${key} refused: ${res.status} ${res.body}`);
      } catch (error) {
        if ((error as Error).message.startsWith('report ')) throw error;
      }
      retries++;
      await sleep(100);
    }
  };
  // Promise.all at once, so a refused report fails the run instead of floating unhandled.
  let failure: unknown;
  const clients = Promise.all(Array.from({ length: o.clients }, async (_, c) => {
    while (running) {
      await report(c);
      await sleep(o.pauseMs);
    }
  }));
  clients.catch((error: unknown) => { failure = error; });
  /** Waits for `done`, or fails at once when a client has failed (a refused report). */
  const until = async (done: () => boolean) => {
    while (!done()) {
      if (failure) throw failure;
      await sleep(20);
    }
  };

  let timersMadeDue = 0;
  const restartMs: number[] = [];
  try {
    for (let k = 0; k < o.kills; k++) {
      const before = acked.size;
      await until(() => acked.size >= before + o.acksBetweenKills);
      await sleep(o.upMs[0] + random() * (o.upMs[1] - o.upMs[0]));
      node.child.kill('SIGKILL');
      await node.exited;
      // While it is down, some pending timers of reported cases fall due.
      const db = await openDb(o.clone);
      const due = await db.query(
        `update case_timer set due_at = now() - interval '1 second' where id in (
           select t.id from case_timer t join case_record c on c.id = t.case_id
            where t.fired_at is null and c.description like '崩溃测试上报 %' order by md5(t.id || $1) limit $2) returning 1`,
        [String(o.seed + k), o.timersPerKill],
      );
      await db.close();
      timersMadeDue += due.length;
      const started = performance.now();
      node = await startNode('crash', env);
      restartMs.push(Math.round(performance.now() - started));
      say(`kill ${k + 1}/${o.kills}: ${acked.size} acknowledged, ${retries} retries, ${due.length} timers due, restarted in ${restartMs.at(-1)} ms`);
    }
    // Let the last restart fire what is due, then stop cleanly.
    running = false;
    await clients;
  } catch (error) {
    // A refused report or a failed restart: stop the clients and the node, then report.
    running = false;
    node.child.kill('SIGKILL');
    await node.exited;
    throw error;
  }
  await sleep(6_000);
  node.child.kill('SIGTERM');
  await node.exited;

  const db = await openDb(o.clone);
  try {
    const cases = await db.query<{ description: string; n: number }>(
      `select description, count(*)::int as n from case_record where description like '崩溃测试上报 %' group by description`);
    const stored = new Map(cases.map((c) => [c.description, c.n]));
    let missingCases = 0;
    for (const key of acked.keys()) if (!stored.has(DESCRIPTION(key))) missingCases++;
    const idem = await db.query<{ key: string; case_id: string }>(`select key, case_id from case_idempotency where key like $1`, [`crash-${o.seed}-%`]);
    for (const { key, case_id } of idem) if (acked.has(key) && acked.get(key) !== case_id) missingCases++;

    const [{ n: timersUnfired }] = await db.query<{ n: number }>(
      `select count(*)::int as n from case_timer t join case_record c on c.id = t.case_id where t.fired_at is null and t.due_at <= now() and c.description like '崩溃测试上报 %'`);
    const perCase = await db.query<{ id: string; fired: number; escalations: number; supervisions: number; timeline: number; audits: number }>(
      `select c.id,
              (select count(*)::int from case_timer t where t.case_id = c.id and t.fired_at is not null) as fired,
              (select count(*)::int from case_timer t where t.case_id = c.id and t.fired_at is not null and t.kind <> 'warn') as escalations,
              (select count(*)::int from case_supervision s where s.case_id = c.id and s.kind in ('warning', 'escalation')) as supervisions,
              (select count(*)::int from case_event e where e.case_id = c.id and e.action in ('warn', 'escalate')) as timeline,
              (select count(*)::int from audit_log a where a.entity_id = c.id and a.action = 'case.escalate') as audits
         from case_record c where c.description like '崩溃测试上报 %'`);
    const timerMismatches = perCase.filter((c) => c.supervisions !== c.fired || c.timeline !== c.fired || c.audits !== c.escalations).map((c) => c.id);
    const audit = await verifyAuditLog(db);
    return {
      kills: o.kills, acknowledged: acked.size, replayed, retries,
      storedCases: cases.length, duplicateCases: cases.filter((c) => c.n > 1).length, missingCases,
      timersMadeDue, timersUnfired, timerMismatches, auditEntries: audit.entries, auditFaults: audit.faults.length, restartMs,
    };
  } finally {
    await db.close();
  }
}
