/**
 * Scale-out: the same load through 1, 2 and 3 `chengyun serve` processes on one PostgreSQL
 * database and one NATS JetStream, requests spread round-robin over the nodes as a load
 * balancer would. Reports throughput and p99 per configuration with the ratio to one node,
 * and checks that the work was shared correctly: every acknowledged report stored exactly
 * once (one case per Idempotency-Key) and every event logged meanwhile received exactly once
 * by live streams on every node.
 *
 *   npm run bench -- scaleout
 *   CHENGYUN_BENCH_SECONDS=20 CHENGYUN_SCALEOUT_NODES=1,2 npm run bench -- scaleout
 *
 * Load (closed loop, so the figure is capacity): CHENGYUN_SCALEOUT_INTAKE workers (default 8)
 * reporting as a signed-in resident (POST /api/v1/cases with an Idempotency-Key) and
 * CHENGYUN_SCALEOUT_QUERIES workers (default 16) reading queues (a district's reported cases,
 * the city's overdue list), for CHENGYUN_BENCH_SECONDS (30) after CHENGYUN_BENCH_WARMUP (5).
 * Reports come from one street of 渝中区 (CHENGYUN_SCALEOUT_DISTRICTS=N: from N districts, each
 * with its own case-number counter row). Rate limits are off (they are per client address and
 * this is one client). Each
 * configuration starts from a copy of one seeded database, so all see the same data.
 * Reference: the one-node configuration (ratio = N nodes / 1 node). On a machine with fewer
 * cores than nodes plus PostgreSQL, more nodes share the same cores and cannot add capacity;
 * the CPU columns show where the time went.
 * Needs PostgreSQL (CHENGYUN_BENCH_ADMIN_URL) and NATS (CHENGYUN_BENCH_NATS_URL,
 * nats://127.0.0.1:4222); skips (exit 0) without them.
 */
import http from 'node:http';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pointInside } from '../test/support/geo.ts';
import { readFrames } from '../test/support/sse.ts';
import {
  activitySampler, adminQuery, Api, cli, endClusterRun, NATS_URL, natsProblem, cpuMeter, databaseUrl, envSeconds, figure, fmt, freshDatabase, postgresProblem, runLoad, send, sleep, startServer, writeResult,
  type ActivityProfile, type LoadResult, type ServerProcess,
} from './_support.ts';

const WARMUP_MS = envSeconds('CHENGYUN_BENCH_WARMUP', 5) * 1000;
const DURATION_MS = envSeconds('CHENGYUN_BENCH_SECONDS', 30) * 1000;
const INTAKE_WORKERS = envSeconds('CHENGYUN_SCALEOUT_INTAKE', 8);
const QUERY_WORKERS = envSeconds('CHENGYUN_SCALEOUT_QUERIES', 16);
const CONFIGS = (process.env.CHENGYUN_SCALEOUT_NODES ?? '1,2,3').split(',').map(Number);
/** Reports come from this many districts (each has its own case-number counter); 1: one street of 渝中区. */
const DISTRICTS = envSeconds('CHENGYUN_SCALEOUT_DISTRICTS', 1);
/** Live streams held open on each node, as consoles of city operators. */
const STREAMS_PER_NODE = 4;
const PASSWORD = 'chengyun2026';
const SEEDED = 'chengyun_bench_scaleout_seed';
const DESCRIPTION = '横向扩展测试上报';

interface Run {
  nodes: number;
  intake: LoadResult;
  queries: LoadResult;
  opsPerSecond: number;
  cpu: { serversPct: number | null; postgresPct: number | null; benchPct: number; machineBusyPct: number | null };
  perNodeRequests: number[];
  acknowledged: number;
  storedOnce: number;
  missing: number;
  duplicated: number;
  events: number;
  streams: number;
  deliveriesMissing: number;
  deliveriesDuplicated: number;
  /** What the database connections were doing during the run (mean connections per kind of wait). */
  activity: ActivityProfile;
}


/** A live stream counting every event id it receives. */
function countingStream(port: number, token: string): { counts: Map<string, number>; opened: Promise<void>; close(): void } {
  const counts = new Map<string, number>();
  let req: http.ClientRequest | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events/stream', agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      resolve();
      readFrames(res, ({ id }) => {
        if (id) counts.set(Buffer.from(id).toString(), (counts.get(id) ?? 0) + 1);
      });
    });
    req.on('error', reject);
  });
  return { counts, opened, close: () => req?.destroy() };
}

async function runConfig(n: number): Promise<Run> {
  const name = `chengyun_bench_scaleout_${n}`;
  await adminQuery(`drop database if exists ${name} with (force)`);
  await adminQuery(`create database ${name} template ${SEEDED}`);
  const url = databaseUrl(name);
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const servers: ServerProcess[] = [];
  const streams: ReturnType<typeof countingStream>[] = [];
  const agents: http.Agent[] = [];
  try {
    for (let i = 0; i < n; i++) {
      servers.push(await startServer({ DATABASE_URL: url, NATS_URL, CHENGYUN_NATS_NAMESPACE: namespace, CHENGYUN_NODE_ID: `${namespace}-n${i + 1}` }));
    }
    const api = new Api(servers[0].port);
    const citizen = await api.login('citizen', PASSWORD);
    const district = await api.login('yuzhong.operator', PASSWORD);
    const city = await api.login('city.operator', PASSWORD);
    const places = DISTRICTS === 1 ? ['500103003']
      : (await api.json<{ items: { code: string }[] }>('GET', '/api/v1/divisions/500000/children', city)).items.slice(0, DISTRICTS).map((d) => d.code);
    const points: [number, number][] = [];
    for (const code of places) {
      const outline = (await api.json<{ geometry: never }>('GET', `/api/v1/divisions/${code}/geometry`, city)).geometry;
      for (let i = 0; i < Math.ceil(50 / places.length); i++) points.push(pointInside(outline, i * 3));
    }
    api.close();
    for (const s of servers) for (let k = 0; k < STREAMS_PER_NODE; k++) streams.push(countingStream(s.port, city));
    await Promise.all(streams.map((s) => s.opened));

    const perNode = servers.map(() => 0);
    const agentOf = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: INTAKE_WORKERS + QUERY_WORKERS }));
    agents.push(...agentOf);
    let rr = 0;
    /** The next node, round-robin over both kinds of request, as a balancer would pick it. */
    const pick = () => {
      const k = rr++ % servers.length;
      perNode[k]++;
      return k;
    };
    const tag = `${namespace}-`;
    const acknowledged = new Map<string, string>();
    const started = new Date();
    const cpus = servers.map((s) => cpuMeter(s.pid));
    const all = cpuMeter(null);
    const sampler = activitySampler(url, 20);
    const [intake, queries] = await Promise.all([
      runLoad({
        concurrency: INTAKE_WORKERS, warmupMs: WARMUP_MS, durationMs: DURATION_MS,
        op: async (i) => {
          const k = pick();
          const key = `${tag}${i}`;
          const [lon, lat] = points[i % points.length];
          const res = await send(agentOf[k], servers[k].port, {
            method: 'POST', path: '/api/v1/cases', headers: { authorization: `Bearer ${citizen}`, 'idempotency-key': key },
            body: JSON.stringify({ categoryCode: 'E0102', description: `${DESCRIPTION} ${key}`, location: { lon, lat } }),
          });
          if (res.status !== 201) return `${res.status} ${res.body.slice(0, 200)}`;
          acknowledged.set(key, (JSON.parse(res.body) as { id: string }).id);
          return null;
        },
      }),
      runLoad({
        concurrency: QUERY_WORKERS, warmupMs: WARMUP_MS, durationMs: DURATION_MS,
        op: async (i) => {
          const k = pick();
          const res = await send(agentOf[k], servers[k].port, i % 5 < 3
            ? { method: 'GET', path: '/api/v1/cases?status=reported&limit=50', headers: { authorization: `Bearer ${district}` } }
            : { method: 'GET', path: '/api/v1/cases?overdue=true&limit=20', headers: { authorization: `Bearer ${city}` } });
          return res.status === 200 ? null : `${res.status} ${res.body.slice(0, 200)}`;
        },
      }),
    ]);
    const shares = cpus.map((c) => c.stop());
    const activity = await sampler.stop();
    const machine = all.stop();
    const cpu = {
      serversPct: shares.every((s) => s.serverPct !== null) ? shares.reduce((a, s) => a + s.serverPct!, 0) : null,
      postgresPct: machine.postgresPct, benchPct: machine.benchPct, machineBusyPct: machine.machineBusyPct,
    };

    // Every acknowledged report stored once, and nothing stored that was not acknowledged
    // (a report whose answer came after the window is still acknowledged: runLoad finishes it).
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const stored = (await db.query<{ description: string; ids: string[] }>(
      `select description, array_agg(id) as ids from case_record where description like $1 group by description`, [`${DESCRIPTION} ${tag}%`],
    )).rows;
    const byKey = new Map(stored.map((r) => [r.description.slice(DESCRIPTION.length + 1), r.ids]));
    let storedOnce = 0;
    let missing = 0;
    let duplicated = 0;
    for (const [key, id] of acknowledged) {
      const ids = byKey.get(key);
      if (!ids) missing++;
      else if (ids.length > 1) duplicated++;
      else if (ids[0] === id) storedOnce++;
      else missing++;
    }
    duplicated += stored.filter((r) => !acknowledged.has(r.description.slice(DESCRIPTION.length + 1)) && r.ids.length > 1).length;

    // Every event logged since the start reached every stream on every node, once.
    const expected = async () => (await db.query<{ id: string }>('select id from event_log where at >= $1', [started])).rows.map((r) => r.id);
    let logged = await expected();
    for (let wait = 0; wait < 40 && !streams.every((s) => logged.every((id) => s.counts.has(id))); wait++) {
      await sleep(250);
      logged = await expected();
    }
    await sleep(1_000);
    logged = await expected();
    await db.end();
    let deliveriesMissing = 0;
    let deliveriesDuplicated = 0;
    for (const s of streams) {
      for (const id of logged) {
        const c = s.counts.get(id) ?? 0;
        if (c === 0) deliveriesMissing++;
        if (c > 1) deliveriesDuplicated++;
      }
    }
    return {
      nodes: n, intake, queries, opsPerSecond: intake.opsPerSecond + queries.opsPerSecond, cpu, perNodeRequests: perNode,
      acknowledged: acknowledged.size, storedOnce, missing, duplicated, events: logged.length, streams: streams.length, deliveriesMissing, deliveriesDuplicated, activity,
    };
  } finally {
    for (const s of streams) s.close();
    for (const a of agents) a.destroy();
    await endClusterRun(servers, name, namespace);
  }
}

const problem = (await postgresProblem()) ?? (await natsProblem());
if (problem) {
  process.stdout.write(`scaleout skipped: PostgreSQL or NATS not reachable (${problem})\n`);
  process.exit(0);
}

const loadAtStart = os.loadavg();
const seedUrl = await freshDatabase(SEEDED);
cli(['seed', '--demo'], { DATABASE_URL: seedUrl });
// A template database must have no connections while it is copied.
await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${SEEDED}'`);
const runs: Run[] = [];
try {
  for (const n of CONFIGS) {
    const run = await runConfig(n);
    runs.push(run);
    process.stderr.write(`  ${n} node(s): ${fmt(run.opsPerSecond)} req/s (intake ${fmt(run.intake.opsPerSecond)}/s p99 ${fmt(run.intake.p99Ms)} ms, queries ${fmt(run.queries.opsPerSecond)}/s p99 ${fmt(run.queries.p99Ms)} ms); `
      + `reports acked ${run.acknowledged}, stored once ${run.storedOnce}; events ${run.events} × ${run.streams} streams, missing ${run.deliveriesMissing}, duplicated ${run.deliveriesDuplicated}; load ${os.loadavg()[0].toFixed(1)}\n`);
  }
} finally {
  await adminQuery(`drop database if exists ${SEEDED} with (force)`).catch(() => undefined);
}

const one = runs.find((r) => r.nodes === 1);
const ACTIVITY = ['running SQL', 'commit (WAL flush)', 'lock wait: case_serial', 'lock wait: audit_head', 'lock wait: other', 'idle in transaction (waiting for the app)', 'idle (free in the pool)'];
const ratio = (v: number, base: number | undefined) => (base ? fmt(v / base, 2) : '–');
const pct = (v: number | null) => (v === null ? '–' : `${fmt(v)} %`);
const cores = os.cpus().length;
const lines = [
  `\`chengyun serve\` × N on one PostgreSQL and one NATS JetStream, requests round-robin over the nodes; closed loop of ${INTAKE_WORKERS} resident reporters `
    + `(POST /api/v1/cases with Idempotency-Key) and ${QUERY_WORKERS} queue readers, ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up; `
    + `${STREAMS_PER_NODE} live streams per node. ${cores} cores shared by the nodes, PostgreSQL, NATS and this load generator (and other work on the machine). Reference: 1 node.`,
  '',
  '| nodes | requests/s | ratio to 1 node | reports/s | report p99 | queries/s | query p99 | servers CPU (sum) | PostgreSQL CPU | load generator CPU | machine busy |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...runs.map((r) => `| ${r.nodes} | ${fmt(r.opsPerSecond)} | ${ratio(r.opsPerSecond, one?.opsPerSecond)} | ${fmt(r.intake.opsPerSecond)} | ${fmt(r.intake.p99Ms)} ms | ${fmt(r.queries.opsPerSecond)} | ${fmt(r.queries.p99Ms)} ms | `
    + `${pct(r.cpu.serversPct)} | ${pct(r.cpu.postgresPct)} | ${pct(r.cpu.benchPct)} | ${pct(r.cpu.machineBusyPct)} |`),
  '',
  '| nodes | requests per node | errors | reports acknowledged | stored exactly once | missing | duplicated | events logged | streams | deliveries missing | deliveries duplicated |',
  '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...runs.map((r) => `| ${r.nodes} | ${r.perNodeRequests.join(' / ')} | ${r.intake.errors + r.queries.errors} | ${r.acknowledged} | ${r.storedOnce} | ${r.missing} | ${r.duplicated} | ${r.events} | ${r.streams} | ${r.deliveriesMissing} | ${r.deliveriesDuplicated} |`),
  '',
  'Database connections during the run (pg_stat_activity sampled every 20 ms; mean number of connections in each state):',
  '',
  `| nodes | ${ACTIVITY.join(' | ')} |`,
  `|---:|${ACTIVITY.map(() => '---:').join('|')}|`,
  ...runs.map((r) => `| ${r.nodes} | ${ACTIVITY.map((k) => fmt(r.activity.meanConnections[k] ?? 0, 1)).join(' | ')} |`),
  '',
  `Load average (1/5/15 min) at the start ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
writeResult('scaleout', {
  figures: runs.flatMap((r) => [
    figure(`${r.nodes} node(s): requests/s (reports + queue queries, round-robin)`, r.opsPerSecond, 'req/s', one && { name: '1 node', value: one.opsPerSecond }),
    figure(`${r.nodes} node(s): report p99`, r.intake.p99Ms, 'ms', one && { name: '1 node', value: one.intake.p99Ms }, 'lower'),
    figure(`${r.nodes} node(s): query p99`, r.queries.p99Ms, 'ms', one && { name: '1 node', value: one.queries.p99Ms }, 'lower'),
    figure(`${r.nodes} node(s): acknowledged reports stored exactly once`, r.storedOnce, 'reports', { name: 'acknowledged', value: r.acknowledged }),
    figure(`${r.nodes} node(s): event deliveries to streams on every node`, r.events * r.streams - r.deliveriesMissing - r.deliveriesDuplicated, 'deliveries', { name: 'events × streams', value: r.events * r.streams }),
  ]),
  durationMs: DURATION_MS, warmupMs: WARMUP_MS, intakeWorkers: INTAKE_WORKERS, queryWorkers: QUERY_WORKERS, streamsPerNode: STREAMS_PER_NODE,
  loadAverage: { start: loadAtStart, end: os.loadavg() }, runs,
});
if (runs.some((r) => r.missing || r.duplicated || r.deliveriesMissing || r.deliveriesDuplicated || r.intake.errors || r.queries.errors)) process.exitCode = 1;
