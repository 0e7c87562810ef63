/**
 * Sensor ingest with partitioned rule evaluation (规则分区) through 1, 2 and 3 `chengyun serve`
 * processes on one PostgreSQL database and one NATS server, batches spread round-robin over the
 * nodes as a load balancer would. Each sensor's rules run on one owner node (src/sensing/partition.ts);
 * a node stores every batch it takes and forwards the readings of sensors it does not own to their
 * owner. Reports readings/s acknowledged and p99 per configuration with the ratio to one node, and
 * checks that the work was shared correctly.
 *
 *   flock /tmp/chengyun-bench.lock node_modules/.bin/node bench/ingest-nodes.ts
 *   CHENGYUN_BENCH_SECONDS=15 CHENGYUN_INGEST_NODES=1,3 npm run bench -- ingest-nodes
 *
 * Seed, once: `chengyun seed` (city model and organisation, no demo sensors, so no readings or
 * alarms other than this benchmark's), an admin account, and — through one server on the seed
 * database — CHENGYUN_BENCH_SENSORS (20,000) gas_lel sensors registered by CSV import: all but
 * 60 behind 8 gateways, the 60 "alarm" sensors behind a gateway of their own. Each
 * configuration runs on a copy of that database with a NATS namespace of its own.
 * Load (closed loop, so the figure is capacity): CHENGYUN_INGEST_WORKERS (16) workers posting
 * JSON batches of 1,000 readings of one gateway's sensors (quiet values, 0–3 %LEL, stamped with
 * the current time, each sensor's timestamps strictly increasing), for CHENGYUN_BENCH_SECONDS
 * (20) after CHENGYUN_BENCH_WARMUP (5). Beside it, every 250 ms one batch with a reading of each
 * alarm sensor at 26 %LEL (red at ≥ 25 sustained 30 s), also round-robin over the nodes, so a
 * sensor's consecutive readings reach different nodes. Their device time starts 40 s back (a
 * gateway relaying its backlog) and advances 1 s per batch until it meets the present, so the
 * sustained condition completes during the run.
 * Checks, after the load: every alarm sensor has exactly one alarm, red, and no quiet sensor has
 * one; the readings stored (rows of sensing_reading) equal the readings acknowledged as accepted.
 * Then the nodes stop together, and: the alarms are counted again (a node still stopping may take
 * over the sensors of one gone, and evaluate their readings again); the 1-minute and 1-hour
 * rollups count every stored reading (each node flushes its own when it stops); no node logged
 * an error and each exited 0. The process exits 1 when a check fails.
 * The nodes log at info level, for their "sensor rules partitioned" lines (a node's first one,
 * written before it answers, is not seen); the per-request lines this adds cost little next to
 * a 1,000-reading batch. Reference: the one-node configuration (ratio = N nodes / 1 node). On a
 * machine with fewer cores than nodes plus PostgreSQL, more nodes share the same cores and cannot
 * add capacity; the CPU columns show where the time went.
 * Needs PostgreSQL (CHENGYUN_BENCH_ADMIN_URL) and NATS (CHENGYUN_BENCH_NATS_URL,
 * nats://127.0.0.1:4222); skips (exit 0) without them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { rendezvousOwner } from '../src/cluster/index.ts';
import { pointInside } from '../test/support/geo.ts';
import {
  adminQuery, Api, endClusterRun, NATS_URL, natsProblem, cli, cpuMeter, databaseUrl, envSeconds, figure, fmt, freshDatabase, postgresProblem, runLoad, send, sleep, startServer, writeResult,
  type LoadResult, type ServerProcess,
} from './_support.ts';

const WARMUP_MS = envSeconds('CHENGYUN_BENCH_WARMUP', 5) * 1000;
const DURATION_MS = envSeconds('CHENGYUN_BENCH_SECONDS', 20) * 1000;
const CONFIGS = (process.env.CHENGYUN_INGEST_NODES ?? '1,2,3').split(',').map(Number);
const SENSORS = envSeconds('CHENGYUN_BENCH_SENSORS', 20_000);
const WORKERS = envSeconds('CHENGYUN_INGEST_WORKERS', 16);
const ALARM_SENSORS = 60;
const QUIET_SENSORS = SENSORS - ALARM_SENSORS;
const GATEWAYS = 8;
const BATCH = 1000;
const ALARM_EVERY_MS = 250;
const ALARM_VALUE = 26;
/** How far back the alarm sensors' device time starts, and how much it advances per batch. */
const ALARM_BACKLOG_MS = 40_000;
const ALARM_STEP_MS = 1000;
const PASSWORD = 'BenchIngest2026';
const USERNAME = 'bench.ingest';
const SEEDED = 'chengyun_bench_ingest_nodes_seed';
const TAG = 'INN';

interface Gateway { code: string; auth: string; sensors: number[]; cursor: number; sent: number }

/** The fleet registered in the seed: quiet sensors 0 … QUIET_SENSORS-1, then the alarm sensors. */
interface Fleet { codes: string[]; quiet: Gateway[]; alarm: Gateway }

/** One node's lines of interest: its handovers, membership changes, warnings and errors. */
interface NodeLog {
  partitions: { at: number; live: number; adopted: number; released: number; replayed: number; buffered: number; ms: number }[];
  membershipChanges: number;
  warnings: Record<string, number>;
  errors: Record<string, number>;
  samples: string[];
}

interface Check { name: string; ok: boolean; detail: string }

interface AlarmTally { ok: number; rows: number; none: number; several: number; quiet: number; other: number }

interface Run {
  nodes: number;
  load: LoadResult;
  readingsPerSecond: number;
  /** Accepted readings acknowledged over the whole run (warm-up, window, tail, alarm batches). */
  acknowledged: number;
  duplicates: number;
  rejected: number;
  busy: number;
  failedRequests: number;
  alarmBatches: number;
  perNode: { requests: number; readings: number; ownedSensors: number; rssPeakMb: number | null }[];
  cpu: { serversPct: number | null; postgresPct: number | null; natsPct: number | null; benchPct: number; machineBusyPct: number | null };
  settleSeconds: number;
  stopSeconds: number;
  handoversDuringLoad: number;
  /** Handovers logged while the nodes stopped one after another, and the readings they evaluated again. */
  handoversAtStop: number;
  replayedAtStop: number;
  logs: NodeLog[];
  exitCodes: (number | string | null)[];
  stored: number;
  counted: number;
  rollups: { m1: number; h1: number };
  /** Alarm rows by kind of sensor: alarm sensors with exactly one red alarm, all rows on them, sensors without or with several, rows on quiet sensors and on anything else. */
  afterLoad: AlarmTally;
  afterStop: AlarmTally;
  firstAlarmSeconds: number | null;
  lastAlarmSeconds: number | null;
  checks: Check[];
}

const progress = (line: string) => process.stderr.write(`  ${line}\n`);


/** The pid of the local nats-server, for its CPU share (undefined when it runs elsewhere). */
function natsPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nats-server') return Number(entry);
    } catch {
      // Ended meanwhile.
    }
  }
  return undefined;
}

function rssPeakMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Follows a node's output from now on, keeping only what this benchmark reports. */
function watchLog(server: ServerProcess): NodeLog {
  const log: NodeLog = { partitions: [], membershipChanges: 0, warnings: {}, errors: {}, samples: [] };
  let rest = '';
  const take = (line: string) => {
    const partition = line.includes('"msg":"sensor rules partitioned"');
    const membership = line.includes('"msg":"cluster membership changed"');
    if (!partition && !membership && /^\{"level":[123]\d,/.test(line)) return;
    let entry: { level?: number; msg?: string; live?: string[]; adopted?: number; released?: number; replayed?: number; buffered?: number; ms?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      entry = { level: 50, msg: line.slice(0, 200) };
    }
    if (partition) {
      log.partitions.push({
        at: performance.now(), live: entry.live?.length ?? 0, adopted: entry.adopted ?? 0, released: entry.released ?? 0,
        replayed: entry.replayed ?? 0, buffered: entry.buffered ?? 0, ms: entry.ms ?? 0,
      });
    } else if (membership) {
      log.membershipChanges++;
    } else {
      const bucket = (entry.level ?? 50) >= 50 ? log.errors : log.warnings;
      const msg = entry.msg ?? '(no message)';
      bucket[msg] = (bucket[msg] ?? 0) + 1;
      if (log.samples.length < 5) log.samples.push(line.slice(0, 600));
    }
  };
  server.child.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) take(line);
  });
  return log;
}

/** Registers the fleet through one server on the seed database (no NATS). */
async function registerFleet(url: string): Promise<void> {
  const server = await startServer({ DATABASE_URL: url });
  const api = new Api(server.port);
  try {
    const token = await api.login(USERNAME, PASSWORD);
    const outline = (await api.json<{ geometry: never }>('GET', '/api/v1/divisions/500103003/geometry', token)).geometry;
    const spots = Array.from({ length: 50 }, (_, i) => pointInside(outline, i * 3).join(','));
    const gateways = [...Array.from({ length: GATEWAYS }, (_, g) => `${TAG}-GW${g}`), `${TAG}-GWA`];
    for (const code of gateways) {
      await api.json('POST', '/api/v1/gateways', token, { code, name: `bench ${code}`, ownerUnitId: 'D-500000-gas', secret: secretOf(code) });
    }
    const fleet = fleetOf();
    const lines = ['code,type,lon,lat,gateway'];
    for (let i = 0; i < SENSORS; i++) lines.push(`${fleet.codes[i]},gas_lel,${spots[i % spots.length]},${i < QUIET_SENSORS ? `${TAG}-GW${i % GATEWAYS}` : `${TAG}-GWA`}`);
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/sensors/import`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: lines.join('\n'),
    });
    if (res.status !== 201) throw new Error(`import: ${res.status} ${(await res.text()).slice(0, 500)}`);
  } finally {
    api.close();
    await server.stop();
  }
}

const secretOf = (gateway: string) => `bench-secret-${gateway}-0123456789`;

/** The sensor codes and gateways as registered (the same in every copy of the seed). */
function fleetOf(): Fleet {
  const codes = Array.from({ length: SENSORS }, (_, i) => (i < QUIET_SENSORS ? `${TAG}-Q${i}` : `${TAG}-A${i - QUIET_SENSORS}`));
  const gateway = (code: string, sensors: number[]): Gateway => ({ code, auth: `Gateway ${code}:${secretOf(code)}`, sensors, cursor: 0, sent: 0 });
  const quiet = Array.from({ length: GATEWAYS }, (_, g) => gateway(`${TAG}-GW${g}`, Array.from({ length: Math.ceil((QUIET_SENSORS - g) / GATEWAYS) }, (_, k) => g + k * GATEWAYS)));
  const alarm = gateway(`${TAG}-GWA`, Array.from({ length: ALARM_SENSORS }, (_, k) => QUIET_SENSORS + k));
  return { codes, quiet, alarm };
}

async function runConfig(n: number): Promise<Run> {
  const name = `chengyun_bench_ingest_nodes_${n}`;
  await adminQuery(`drop database if exists ${name} with (force)`);
  await adminQuery(`create database ${name} template ${SEEDED}`);
  const url = databaseUrl(name);
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const servers: ServerProcess[] = [];
  const logs: NodeLog[] = [];
  const exitCodes: (number | string | null)[] = [];
  const closed: Promise<void>[] = [];
  const agents: http.Agent[] = [];
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const nodeIds = Array.from({ length: n }, (_, i) => `${namespace}-n${i + 1}`);
    for (const nodeId of nodeIds) {
      const server = await startServer({ DATABASE_URL: url, NATS_URL, CHENGYUN_NATS_NAMESPACE: namespace, CHENGYUN_NODE_ID: nodeId, LOG_LEVEL: 'info' });
      servers.push(server);
      logs.push(watchLog(server));
      const k = servers.length - 1;
      exitCodes.push(null);
      server.child.once('exit', (code, signal) => { exitCodes[k] = code ?? signal ?? 'unknown'; });
      closed.push(new Promise((resolve) => server.child.once('close', () => resolve())));
    }
    // The last node settled before it answered; the others once they split with it.
    const settleStart = performance.now();
    while (!logs.slice(0, -1).every((l) => l.partitions.at(-1)?.live === n)) {
      if (performance.now() - settleStart > 90_000) throw new Error(`nodes did not settle on ${n} live within 90 s`);
      await sleep(100);
    }
    const settleSeconds = (performance.now() - settleStart) / 1000;
    const handoversBefore = logs.map((l) => l.partitions.length);

    const fleet = fleetOf();
    const ids = new Map((await db.query<{ id: string; code: string }>('select id, code from sensing_sensor')).rows.map((r) => [r.code, r.id]));
    const sensorIds = fleet.codes.map((code) => ids.get(code)!);
    if (sensorIds.some((id) => !id)) throw new Error('sensors of the seed missing in the copy');
    const ownedSensors = nodeIds.map((node) => sensorIds.filter((id) => rendezvousOwner(nodeIds, id) === node).length);

    // Quiet readings: 0–3 %LEL; timestamps the current time, strictly increasing per sensor.
    const prefix = fleet.codes.map((code) => `{"sensor":"${code}","ts":`);
    const lastTs = new Float64Array(SENSORS);
    let spin = 0;
    const quietBody = (g: Gateway): string => {
      const now = Date.now();
      const parts: string[] = new Array(BATCH);
      for (let k = 0; k < BATCH; k++) {
        const i = g.sensors[g.cursor];
        g.cursor = (g.cursor + 1) % g.sensors.length;
        const ts = lastTs[i] = Math.max(now, lastTs[i] + 1);
        parts[k] = `${prefix[i]}${ts},"value":${((spin = (spin + 37) % 300) / 100).toFixed(2)}}`;
      }
      return `[${parts.join(',')}]`;
    };
    const loadStart = Date.now();
    for (const i of fleet.alarm.sensors) lastTs[i] = loadStart - ALARM_BACKLOG_MS - ALARM_STEP_MS;
    const alarmBody = (): string => {
      const now = Date.now();
      return `[${fleet.alarm.sensors.map((i) => `${prefix[i]}${(lastTs[i] = Math.max(lastTs[i] + 1, Math.min(now, lastTs[i] + ALARM_STEP_MS)))},"value":${ALARM_VALUE}}`).join(',')}]`;
    };

    const perNode = servers.map((_, k) => ({ requests: 0, readings: 0, ownedSensors: ownedSensors[k], rssPeakMb: null as number | null }));
    const agentOf = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: WORKERS + 1 }));
    agents.push(...agentOf);
    let acknowledged = 0;
    let duplicates = 0;
    let rejected = 0;
    let busy = 0;
    let failedRequests = 0;
    let windowReadings = 0;
    const windowStart = performance.now() + WARMUP_MS;
    const windowEnd = windowStart + DURATION_MS;
    /** One batch to node k; null when it was stored, else why not. */
    const post = async (k: number, auth: string, body: string): Promise<{ failure: string | null; accepted: number }> => {
      perNode[k].requests++;
      let res;
      try {
        res = await send(agentOf[k], servers[k].port, { method: 'POST', path: '/api/v1/ingest/readings', headers: { authorization: auth }, body });
      } catch (error) {
        failedRequests++;
        return { failure: (error as Error).message, accepted: 0 };
      }
      if (res.status === 503) {
        busy++;
        await sleep(100);
        return { failure: `503 ${res.body.slice(0, 200)}`, accepted: 0 };
      }
      if (res.status !== 200) {
        failedRequests++;
        return { failure: `${res.status} ${res.body.slice(0, 200)}`, accepted: 0 };
      }
      const summary = JSON.parse(res.body) as { accepted: number; duplicates: number; rejected: number };
      acknowledged += summary.accepted;
      duplicates += summary.duplicates;
      rejected += summary.rejected;
      perNode[k].readings += summary.accepted;
      return { failure: summary.rejected || summary.duplicates ? `${summary.rejected} rejected, ${summary.duplicates} duplicates` : null, accepted: summary.accepted };
    };

    let loading = true;
    let alarmBatches = 0;
    const alarmLoop = (async () => {
      for (let b = 0; loading; b++) {
        const t = performance.now();
        await post(b % n, fleet.alarm.auth, alarmBody());
        alarmBatches++;
        await sleep(Math.max(0, ALARM_EVERY_MS - (performance.now() - t)));
      }
    })();
    const cpus = servers.map((s) => cpuMeter(s.pid));
    const natsPidNow = natsPid();
    const nats = natsPidNow ? cpuMeter(natsPidNow) : undefined;
    const all = cpuMeter(null);
    const load = await runLoad({
      concurrency: WORKERS, warmupMs: WARMUP_MS, durationMs: DURATION_MS,
      op: async (i) => {
        // Each gateway's batches go to the nodes in turn, and consecutive batches to different nodes.
        const g = fleet.quiet[i % GATEWAYS];
        const k = (g.sent++ + i % GATEWAYS) % n;
        const { failure, accepted } = await post(k, g.auth, quietBody(g));
        const end = performance.now();
        if (end >= windowStart && end <= windowEnd) windowReadings += accepted;
        return failure;
      },
    });
    const shares = cpus.map((c) => c.stop());
    const natsShare = nats?.stop();
    const machine = all.stop();
    loading = false;
    await alarmLoop;
    servers.forEach((s, k) => { perNode[k].rssPeakMb = rssPeakMb(s.pid); });
    const cpu = {
      serversPct: shares.every((s) => s.serverPct !== null) ? shares.reduce((a, s) => a + s.serverPct!, 0) : null,
      postgresPct: machine.postgresPct, natsPct: natsShare?.serverPct ?? null, benchPct: machine.benchPct, machineBusyPct: machine.machineBusyPct,
    };
    progress(`${n} node(s): load done, ${fmt(windowReadings / (DURATION_MS / 1000))} readings/s; checking`);

    // Alarms: the owners raise them as the readings come; wait until every alarm sensor has one (or 20 s).
    const alarmIds = new Set(sensorIds.slice(QUIET_SENSORS));
    const quietIds = new Set(sensorIds.slice(0, QUIET_SENSORS));
    const alarmRows = async () => (await db.query<{ subject_id: string; n: number; levels: string[] }>(
      'select subject_id, count(*)::int as n, array_agg(level) as levels from alarm group by subject_id',
    )).rows;
    let rows = await alarmRows();
    for (let wait = 0; wait < 80 && rows.filter((r) => alarmIds.has(r.subject_id)).length < ALARM_SENSORS; wait++) {
      await sleep(250);
      rows = await alarmRows();
    }
    await sleep(2_000);
    rows = await alarmRows();
    const tally = (all: typeof rows) => {
      const onAlarm = all.filter((r) => alarmIds.has(r.subject_id));
      return {
        ok: onAlarm.filter((r) => r.n === 1 && r.levels[0] === 'red').length,
        rows: onAlarm.reduce((s, r) => s + r.n, 0),
        none: ALARM_SENSORS - onAlarm.length,
        several: onAlarm.filter((r) => r.n > 1).length,
        quiet: all.filter((r) => quietIds.has(r.subject_id)).reduce((s, r) => s + r.n, 0),
        other: all.filter((r) => !alarmIds.has(r.subject_id) && !quietIds.has(r.subject_id)).reduce((s, r) => s + r.n, 0),
      };
    };
    const afterLoad = tally(rows);
    const [raised] = (await db.query<{ first: Date | null; last: Date | null }>(
      "select min(logged_at) as first, max(logged_at) as last from event_log where type = 'alarm.raised'",
    )).rows;
    const [{ stored }] = (await db.query<{ stored: number }>('select count(*)::int as stored from sensing_reading')).rows;
    const [{ counted }] = (await db.query<{ counted: number }>("select coalesce(sum(count), 0)::int as counted from sensing_ingest_counter where reason = 'accepted'")).rows;
    const handoversDuringLoad = logs.reduce((s, l, k) => s + l.partitions.length - handoversBefore[k], 0);
    const handoversBeforeStop = logs.map((l) => l.partitions.length);

    // The nodes stop (each flushes its rollups); then the rollups must count every stored reading.
    const stopStart = performance.now();
    await Promise.all(servers.map((s) => s.stop()));
    const stopSeconds = (performance.now() - stopStart) / 1000;
    // Their last lines may still be in the pipes.
    await Promise.race([Promise.all(closed), sleep(5_000)]);
    const [rollups] = (await db.query<{ m1: number; h1: number }>(
      'select (select coalesce(sum(n), 0)::int from sensing_rollup_1m) as m1, (select coalesce(sum(n), 0)::int from sensing_rollup_1h) as h1',
    )).rows;
    // Alarms once more: a node stopping after the others may take their sensors over and evaluate their readings again.
    const afterStop = tally(await alarmRows());
    const handoversAtStop = logs.reduce((s, l, k) => s + l.partitions.length - handoversBeforeStop[k], 0);
    const replayedAtStop = logs.reduce((s, l, k) => s + l.partitions.slice(handoversBeforeStop[k]).reduce((a, p) => a + p.replayed, 0), 0);
    const errorLines = logs.reduce((s, l) => s + Object.values(l.errors).reduce((a, c) => a + c, 0), 0);
    const alarmDetail = (t: typeof afterLoad) => `${t.ok} of ${ALARM_SENSORS} (alarm rows on them: ${t.rows}; sensors with none: ${t.none}; with more than one: ${t.several})`;
    const checks: Check[] = [
      { name: 'every alarm sensor has exactly one alarm, red (after the load; after the nodes stopped)', ok: afterLoad.ok === ALARM_SENSORS && afterStop.ok === ALARM_SENSORS,
        detail: `${alarmDetail(afterLoad)}; ${alarmDetail(afterStop)}` },
      { name: 'no quiet sensor has an alarm (after the load; after the nodes stopped)', ok: afterLoad.quiet === 0 && afterStop.quiet === 0,
        detail: `${afterLoad.quiet}; ${afterStop.quiet} alarm rows on quiet sensors (on other subjects: ${afterLoad.other}; ${afterStop.other})` },
      { name: 'readings stored = readings acknowledged as accepted', ok: stored === acknowledged && failedRequests === 0,
        detail: `${stored} rows in sensing_reading, ${acknowledged} acknowledged (ingest counters: ${counted}; duplicates ${duplicates}, rejected ${rejected}, failed requests ${failedRequests})` },
      { name: 'rollups count every stored reading once the nodes stopped', ok: rollups.m1 === stored && rollups.h1 === stored,
        detail: `1-minute rollups ${rollups.m1}, 1-hour ${rollups.h1}, stored ${stored}` },
      { name: 'nodes logged no error and exited 0', ok: errorLines === 0 && exitCodes.every((c) => c === 0),
        detail: `${errorLines} error lines; exit codes ${exitCodes.join(', ')}` },
    ];
    return {
      nodes: n, load, readingsPerSecond: windowReadings / (DURATION_MS / 1000), acknowledged, duplicates, rejected, busy, failedRequests, alarmBatches,
      perNode, cpu, settleSeconds, stopSeconds, handoversDuringLoad, handoversAtStop, replayedAtStop, logs, exitCodes, stored, counted, rollups, afterLoad, afterStop,
      firstAlarmSeconds: raised.first ? (raised.first.getTime() - loadStart) / 1000 : null,
      lastAlarmSeconds: raised.last ? (raised.last.getTime() - loadStart) / 1000 : null,
      checks,
    };
  } finally {
    for (const a of agents) a.destroy();
    await db.end().catch(() => undefined);
    await endClusterRun(servers, name, namespace);
  }
}

const problem = (await postgresProblem()) ?? (await natsProblem());
if (problem) {
  process.stdout.write(`ingest-nodes skipped: PostgreSQL or NATS not reachable (${problem})\n`);
  process.exit(0);
}

const loadAtStart = os.loadavg();
const runs: Run[] = [];
try {
  let t = performance.now();
  const seedUrl = await freshDatabase(SEEDED);
  cli(['seed'], { DATABASE_URL: seedUrl });
  cli(['user', 'add', '--username', USERNAME, '--name', 'bench', '--role', 'admin', '--unit', 'C-500000', '--password', PASSWORD], { DATABASE_URL: seedUrl });
  await registerFleet(seedUrl);
  // A template database must have no connections while it is copied.
  await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${SEEDED}'`);
  progress(`seeded, ${fmt(SENSORS)} sensors registered in ${fmt((performance.now() - t) / 1000, 1)} s`);
  for (const n of CONFIGS) {
    t = performance.now();
    const run = await runConfig(n);
    runs.push(run);
    progress(`${n} node(s): ${fmt(run.readingsPerSecond)} readings/s, p99 ${fmt(run.load.p99Ms)} ms; ${run.checks.filter((c) => !c.ok).length} check(s) failed; `
      + `${fmt((performance.now() - t) / 1000)} s; load ${os.loadavg()[0].toFixed(1)}`);
  }
} finally {
  await adminQuery(`drop database if exists ${SEEDED} with (force)`).catch(() => undefined);
}

const one = runs.find((r) => r.nodes === 1);
const ratio = (v: number, base: number | undefined) => (base ? fmt(v / base, 2) : '–');
const pct = (v: number | null) => (v === null ? '–' : `${fmt(v)} %`);
const lines = [
  `\`chengyun serve\` × N on one PostgreSQL and one NATS, rule evaluation partitioned by sensor; ${fmt(SENSORS)} gas_lel sensors behind ${GATEWAYS + 1} gateways. `
    + `Closed loop of ${WORKERS} workers posting batches of ${fmt(BATCH)} quiet readings round-robin over the nodes, ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up; `
    + `beside it ${ALARM_SENSORS} alarm sensors at ${ALARM_VALUE} %LEL, one batch every ${ALARM_EVERY_MS} ms, also round-robin. `
    + `${os.cpus().length} cores shared by the nodes, PostgreSQL, NATS and this load generator (and other work on the machine). Reference: 1 node.`,
  '',
  '| nodes | readings/s acknowledged | ratio to 1 node | p99 request | p50 request | servers CPU (sum) | PostgreSQL CPU | NATS CPU | load generator CPU | machine busy |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...runs.map((r) => `| ${r.nodes} | ${fmt(r.readingsPerSecond)} | ${ratio(r.readingsPerSecond, one?.readingsPerSecond)} | ${fmt(r.load.p99Ms)} ms | ${fmt(r.load.p50Ms)} ms | `
    + `${pct(r.cpu.serversPct)} | ${pct(r.cpu.postgresPct)} | ${pct(r.cpu.natsPct)} | ${pct(r.cpu.benchPct)} | ${pct(r.cpu.machineBusyPct)} |`),
  '',
  '| nodes | sensors owned per node | readings taken per node | peak RSS per node | settled after the last node answered | handovers logged: during load / at stop (readings replayed) | failed requests / 503 | alarm.raised logged (s after load start) | stop took | exit codes |',
  '|---:|---|---|---|---:|---:|---:|---:|---:|---|',
  ...runs.map((r) => `| ${r.nodes} | ${r.perNode.map((p) => fmt(p.ownedSensors)).join(' / ')} | ${r.perNode.map((p) => fmt(p.readings)).join(' / ')} | `
    + `${r.perNode.map((p) => `${fmt(p.rssPeakMb)} MB`).join(' / ')} | ${fmt(r.settleSeconds, 1)} s | ${r.handoversDuringLoad} / ${r.handoversAtStop} (${fmt(r.replayedAtStop)}) | `
    + `${r.failedRequests} / ${r.busy} | ${fmt(r.firstAlarmSeconds, 1)} – ${fmt(r.lastAlarmSeconds, 1)} | ${fmt(r.stopSeconds, 1)} s | ${r.exitCodes.join(', ')} |`),
  '',
  'Checks:',
  '',
  '| nodes | check | result | detail |',
  '|---:|---|---|---|',
  ...runs.flatMap((r) => r.checks.map((c) => `| ${r.nodes} | ${c.name} | ${c.ok ? 'ok' : '**FAILED**'} | ${c.detail} |`)),
  '',
  ...runs.flatMap((r) => r.logs.flatMap((l, k) => {
    const parts = l.partitions.map((p) => `live ${p.live}: adopted ${p.adopted}, released ${p.released}, replayed ${p.replayed}, buffered ${p.buffered}, ${p.ms} ms`);
    const noted = [...Object.entries(l.errors).map(([m, c]) => `error "${m}" × ${c}`), ...Object.entries(l.warnings).map(([m, c]) => `warning "${m}" × ${c}`)];
    return [`- ${r.nodes} node(s), node ${k + 1}: ${l.membershipChanges} membership change(s); handovers: ${parts.join('; ') || 'none seen'}${noted.length ? `; ${noted.join('; ')}` : ''}`];
  })),
  '',
  `Load average (1/5/15 min) at the start ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
for (const r of runs) for (const l of r.logs) for (const s of l.samples) process.stderr.write(`  ${r.nodes} node(s) log: ${s}\n`);
writeResult('ingest-nodes', {
  figures: runs.flatMap((r) => [
    figure(`${r.nodes} node(s): readings/s acknowledged (batches of ${fmt(BATCH)}, round-robin, partitioned rules)`, r.readingsPerSecond, 'readings/s', one && { name: '1 node', value: one.readingsPerSecond }),
    figure(`${r.nodes} node(s): ingest request p99`, r.load.p99Ms, 'ms', one && { name: '1 node', value: one.load.p99Ms }, 'lower'),
    figure(`${r.nodes} node(s): alarm sensors with exactly one red alarm`, Math.min(r.afterLoad.ok, r.afterStop.ok), 'sensors', { name: 'alarm sensors', value: ALARM_SENSORS }),
    figure(`${r.nodes} node(s): readings stored`, r.stored, 'readings', { name: 'acknowledged', value: r.acknowledged }),
  ]),
  sensors: SENSORS, alarmSensors: ALARM_SENSORS, gateways: GATEWAYS, batch: BATCH, workers: WORKERS, durationMs: DURATION_MS, warmupMs: WARMUP_MS,
  loadAverage: { start: loadAtStart, end: os.loadavg() },
  runs: runs.map((r) => ({ ...r, logs: r.logs.map((l) => ({ ...l, partitions: l.partitions.map(({ at: _at, ...p }) => p) })) })),
});
if (runs.some((r) => r.checks.some((c) => !c.ok))) process.exitCode = 1;
