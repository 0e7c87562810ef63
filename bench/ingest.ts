/**
 * Lifeline sensor ingest (城市生命线): sustained readings per second stored (and handed to the
 * rule engine) through the real server, over HTTP batches and over MQTT, on PostgreSQL and on
 * the embedded database, with 200,000 registered sensors.
 *
 *   node_modules/.bin/node bench/ingest.ts
 *
 * For each backend: `chengyun seed --demo`, then `chengyun serve` with MQTT_URL set; the
 * sensors are registered through POST /api/v1/sensors/import behind 8 gateways. HTTP: 16
 * connections each posting JSON batches of 5,000 readings (closed loop). MQTT: 4 publishers
 * sending messages of 1,000 readings at QoS 1 to the Mosquitto broker, kept at most 200,000
 * readings ahead of what the server has stored; the rate is what got stored. Reference: the
 * raw insert rate of the same database, the same binary COPY in batches of 20,000 from one
 * connection, without HTTP, checks or rules (ratio = through the server / raw).
 * Memory: the server's resident set after registration and at its peak; the registry's heap
 * for the sensors, measured in this process. Alarm latency: under an open-loop load of half
 * the measured HTTP rate, a reading past the red threshold every 200 ms, timed until its
 * alarm.raised event arrives on the SSE stream.
 *
 * Environment: CHENGYUN_BENCH_ADMIN_URL, CHENGYUN_BENCH_MQTT_URL (mqtt://127.0.0.1:1883),
 * CHENGYUN_BENCH_SENSORS (200000), CHENGYUN_BENCH_SECONDS (15), CHENGYUN_BENCH_WARMUP (3),
 * CHENGYUN_BENCH_BACKENDS (postgres,embedded), CHENGYUN_BENCH_SERVER_NODE_OPTIONS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile the server).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import mqtt from 'mqtt';
import { openDb, type Db } from '../src/storage/db.ts';
import { copyReadings } from '../src/sensing/ingest-store.ts';
import { SensorRegistry } from '../src/sensing/registry.ts';
import {
  adminQuery, Api, cli, cpuMeter, envSeconds, figure, fmt, freshDatabase, httpOp, percentile, postgresProblem, runLoad, send, sleep, startServer, writeResult,
  type CpuShare, type ServerProcess,
} from './_support.ts';

const PASSWORD = 'chengyun2026';
const MQTT_URL = process.env.CHENGYUN_BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const SENSORS = Number(process.env.CHENGYUN_BENCH_SENSORS ?? 200_000);
const WARMUP_MS = envSeconds('CHENGYUN_BENCH_WARMUP', 3) * 1000;
const DURATION_MS = envSeconds('CHENGYUN_BENCH_SECONDS', 15) * 1000;
const BACKENDS = (process.env.CHENGYUN_BENCH_BACKENDS ?? 'postgres,embedded').split(',');
const GATEWAYS = 8;
const HTTP_BATCH = 5000;
const HTTP_CONCURRENCY = 16;
const MQTT_MESSAGE = 1000;
const MQTT_PUBLISHERS = 4;
const MQTT_AHEAD = 200_000;
const RAW_BATCH = 20_000;
const TARGET = 100_000;
/** Types registered in turn, with a normal value and noise: quiet readings, so the rules run without raising alarms. */
const TYPES = [['gas_lel', 1, 0.5], ['gas_pressure', 300, 5], ['water_pressure', 0.35, 0.01], ['bridge_strain', 150, 20], ['manhole_tilt', 1, 0.2]] as const;

interface Gateway { code: string; secret: string; sensors: string[]; types: number[] }

interface Rate { readingsPerSecond: number; seconds: number; readings: number; p99Ms?: number; cpu: CpuShare; errors: number; errorSamples?: string[] }

interface BackendResult {
  backend: 'PostgreSQL' | 'embedded';
  seedSeconds: number;
  sensors: number;
  registerSeconds: number;
  rssAfterRegisterMb: number | null;
  rssPeakMb: number | null;
  registryHeapMb: number;
  http: Rate;
  mqtt: Rate;
  raw: { readingsPerSecond: number; readings: number };
  alarm: ProbeResult & { loadReadingsPerSecond: number; pacedErrors: number };
}

const progress = (line: string) => process.stderr.write(`  ${line}\n`);

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Registers `count` sensors behind GATEWAYS gateways at the demo sensors' (known good) spots. */
async function register(api: Api, token: string, count: number, tag: string): Promise<Gateway[]> {
  const demo = await api.json<{ items: { lon: number; lat: number }[] }>('GET', '/api/v1/sensors?limit=1000', token);
  const spots = demo.items.map((s) => `${s.lon},${s.lat}`);
  const gateways: Gateway[] = [];
  for (let g = 0; g < GATEWAYS; g++) {
    const res = await api.json<{ secret: string }>('POST', '/api/v1/gateways', token, { code: `${tag}-GW${g}`, name: `bench ${g}`, ownerUnitId: 'D-500000-gas' });
    gateways.push({ code: `${tag}-GW${g}`, secret: res.secret, sensors: [], types: [] });
  }
  const CHUNK = 20_000;
  for (let start = 0; start < count; start += CHUNK) {
    const lines = ['code,type,lon,lat,gateway'];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const code = `${tag}-${i}`;
      const gateway = gateways[i % GATEWAYS];
      gateway.sensors.push(code);
      gateway.types.push(i % TYPES.length);
      lines.push(`${code},${TYPES[i % TYPES.length][0]},${spots[i % spots.length]},${gateway.code}`);
    }
    const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/sensors/import`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: lines.join('\n'),
    });
    if (res.status !== 201) throw new Error(`import: ${res.status} ${(await res.text()).slice(0, 500)}`);
  }
  return gateways;
}

/**
 * Readings for random sensors of a gateway at about the current time (a sensor's next reading
 * is at least 1 ms after its previous one, so none is a duplicate), with normal values.
 */
function readingsMaker(): (gateway: Gateway, n: number) => string {
  const last = new Map<string, number>();
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return (gateway, n) => {
    const now = Date.now();
    const parts: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(random() * gateway.sensors.length);
      const code = gateway.sensors[k];
      const ts = Math.max(now, (last.get(code) ?? 0) + 1);
      last.set(code, ts);
      const [, base, noise] = TYPES[gateway.types[k]];
      parts[i] = `{"sensor":"${code}","ts":${ts},"value":${(base + (random() * 2 - 1) * noise).toFixed(3)}}`;
    }
    return `[${parts.join(',')}]`;
  };
}

/**
 * Red-alarm latency under load: every PROBE_MS one manhole cover sensor reports a 45° tilt
 * (red at ≥ 30°, immediate) through its gateway; the time from sending it to the alarm.raised
 * event on the admin's SSE stream is one sample.
 */
const PROBE_MS = 200;

type ProbeResult = { samples: number; missed: number; p50Ms: number; p99Ms: number; maxMs: number; storedP50Ms: number; storedP99Ms: number };

async function alarmLatencyProbe(api: Api, token: string, gateways: Gateway[]): Promise<{ stop(): Promise<ProbeResult> }> {
  const listed = await api.json<{ items: { id: string; code: string }[] }>('GET', '/api/v1/sensors?type=manhole_tilt&limit=1000', token);
  const gatewayOf = new Map<string, Gateway>();
  for (const g of gateways) for (const code of g.sensors) gatewayOf.set(code, g);
  const probes = listed.items.filter((x) => gatewayOf.has(x.code));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  /** Until the reading was durably stored (the HTTP answer): the ingest part of the latency. */
  const stored: number[] = [];
  let buffer = '';
  const stream = http.get({ host: '127.0.0.1', port: api.port, path: `/api/v1/events/stream?access_token=${token}`, agent: false }, (res) => {
    res.setEncoding('utf8');
    res.on('error', () => undefined);
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!frame.includes('event: alarm.raised')) continue;
        const data = frame.split('\n').find((l) => l.startsWith('data: '));
        const sensorId = data ? (JSON.parse(data.slice(6)) as { payload: { sensorId: string | null } }).payload.sensorId : null;
        const t = sensorId ? sentAt.get(sensorId) : undefined;
        if (t !== undefined) {
          latencies.push(performance.now() - t);
          sentAt.delete(sensorId!);
        }
      }
    });
  });
  stream.on('error', () => undefined);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let next = 0;
  const timer = setInterval(() => {
    const probe = probes[next++ % probes.length];
    if (!probe || sentAt.has(probe.id) || next > probes.length) return;
    const g = gatewayOf.get(probe.code)!;
    const t = performance.now();
    sentAt.set(probe.id, t);
    void send(agent, api.port, {
      method: 'POST', path: '/api/v1/ingest/readings', headers: { authorization: `Gateway ${g.code}:${g.secret}` },
      body: JSON.stringify([{ sensor: probe.code, ts: Date.now(), value: 45 }]),
    }).then((r) => { if (r.status === 200) stored.push(performance.now() - t); }, () => undefined);
  }, PROBE_MS);
  return {
    async stop() {
      clearInterval(timer);
      await sleep(3000);
      stream.destroy();
      agent.destroy();
      latencies.sort((a, b) => a - b);
      stored.sort((a, b) => a - b);
      return {
        samples: latencies.length, missed: sentAt.size, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), maxMs: latencies.at(-1) ?? NaN,
        storedP50Ms: percentile(stored, 0.5), storedP99Ms: percentile(stored, 0.99),
      };
    },
  };
}

/** Readings stored so far by the counters; a slow answer from a saturated server repeats the previous figure. */
let lastAccepted = 0;
async function acceptedSoFar(api: Api, token: string): Promise<number> {
  try {
    const stats = await api.json<{ sources: { accepted: number }[] }>('GET', '/api/v1/ingest/stats', token);
    lastAccepted = stats.sources.reduce((s, x) => s + x.accepted, 0);
  } catch {
    // 408 or 503 while saturated: keep the last figure.
  }
  return lastAccepted;
}

async function httpRun(server: ServerProcess, gateways: Gateway[], make: (g: Gateway, n: number) => string): Promise<Rate> {
  const bodies = gateways.map((g) => ({ auth: `Gateway ${g.code}:${g.secret}`, g }));
  const load = httpOp(server.port, HTTP_CONCURRENCY, 200, (i) => {
    const { auth, g } = bodies[i % bodies.length];
    return { method: 'POST', path: '/api/v1/ingest/readings', headers: { authorization: auth }, body: make(g, HTTP_BATCH) };
  });
  const cpu = cpuMeter(server.pid);
  await sleep(0);
  const result = await runLoad({ concurrency: HTTP_CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS, op: load.op });
  const share = cpu.stop();
  load.close();
  const readings = (result.ops - result.errors) * HTTP_BATCH;
  return { readingsPerSecond: readings / result.seconds, seconds: result.seconds, readings, p99Ms: result.p99Ms, cpu: share, errors: result.errors, errorSamples: result.errorSamples };
}

/** Open loop: batches sent on a fixed schedule at `readingsPerSecond`, whatever the answers; for latency below saturation. */
async function pacedRun(server: ServerProcess, gateways: Gateway[], make: (g: Gateway, n: number) => string, readingsPerSecond: number): Promise<{ offered: number; stored: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const intervalMs = (HTTP_BATCH / readingsPerSecond) * 1000;
  const pending: Promise<void>[] = [];
  let stored = 0;
  let errors = 0;
  const t0 = performance.now();
  for (let k = 0; performance.now() - t0 < DURATION_MS; k++) {
    const wait = t0 + k * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    const g = gateways[k % gateways.length];
    pending.push(send(agent, server.port, { method: 'POST', path: '/api/v1/ingest/readings', headers: { authorization: `Gateway ${g.code}:${g.secret}` }, body: make(g, HTTP_BATCH) })
      .then((r) => { if (r.status === 200) stored += HTTP_BATCH; else errors++; }, () => { errors++; }));
  }
  const offered = pending.length * HTTP_BATCH;
  await Promise.all(pending);
  agent.destroy();
  return { offered, stored, errors };
}

async function mqttRun(server: ServerProcess, api: Api, token: string, root: string, gateways: Gateway[], make: (g: Gateway, n: number) => string): Promise<Rate> {
  const clients = await Promise.all(Array.from({ length: MQTT_PUBLISHERS }, (_, i) => mqtt.connectAsync(MQTT_URL, { clientId: `bench-ingest-${process.pid}-${i}` })));
  let published = 0;
  let stored = await acceptedSoFar(api, token);
  const base = stored;
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      stored = await acceptedSoFar(api, token);
      await sleep(100);
    }
  })();
  const publishers = clients.map(async (client, p) => {
    for (let k = p; !stop; k += MQTT_PUBLISHERS) {
      if (published - (stored - base) > MQTT_AHEAD) {
        await sleep(5);
        continue;
      }
      const g = gateways[k % gateways.length];
      published += MQTT_MESSAGE;
      await client.publishAsync(`${root}/${g.code}/readings`, make(g, MQTT_MESSAGE), { qos: 1 });
    }
  });
  await sleep(WARMUP_MS);
  const from = await acceptedSoFar(api, token);
  const cpu = cpuMeter(server.pid);
  const t = performance.now();
  await sleep(DURATION_MS);
  const to = await acceptedSoFar(api, token);
  const seconds = (performance.now() - t) / 1000;
  const share = cpu.stop();
  stop = true;
  await Promise.all(publishers);
  await poller;
  await Promise.all(clients.map((c) => c.endAsync()));
  return { readingsPerSecond: (to - from) / seconds, seconds, readings: to - from, cpu: share, errors: 0 };
}

/** The same bulk load (binary COPY) straight to the database: one connection, batches of RAW_BATCH, one transaction each. */
async function rawInsert(db: Db, start: number): Promise<{ readingsPerSecond: number; readings: number }> {
  const nums = new Int32Array(RAW_BATCH);
  const ts = new Float64Array(RAW_BATCH);
  const values = new Float64Array(RAW_BATCH);
  const [{ max }] = await db.query<{ max: number }>('select max(num)::int as max from sensing_sensor');
  let t0 = start;
  let readings = 0;
  const began = performance.now();
  const until = began + DURATION_MS;
  while (performance.now() < until) {
    // Sorted by (sensor, time) as the pipeline writes them.
    for (let i = 0; i < RAW_BATCH; i++) {
      nums[i] = 1 + Math.floor((i / RAW_BATCH) * max);
      ts[i] = t0 + i;
      values[i] = (i % 200) / 100;
    }
    t0 += RAW_BATCH;
    await db.transaction((tx) => copyReadings(tx, nums, ts, values, RAW_BATCH));
    readings += RAW_BATCH;
  }
  return { readingsPerSecond: readings / ((performance.now() - began) / 1000), readings };
}

/** A full collection, so heap figures count live objects only. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function registryHeap(db: Db): Promise<{ mb: number; size: number }> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const registry = new SensorRegistry(db);
  await registry.ready();
  gc();
  const after = process.memoryUsage().heapUsed;
  return { mb: (after - before) / 1024 / 1024, size: registry.size };
}

async function runBackend(backend: 'PostgreSQL' | 'embedded'): Promise<BackendResult> {
  const name = `chengyun_bench_ingest_${process.pid}`;
  const dir = backend === 'embedded' ? mkdtempSync(join(tmpdir(), 'chengyun-bench-ingest-')) : undefined;
  const env = backend === 'PostgreSQL' ? { DATABASE_URL: await freshDatabase(name) } : { CHENGYUN_DATA_DIR: dir };
  const root = `bench-${process.pid}-${backend === 'PostgreSQL' ? 'pg' : 'emb'}/v1`;
  let server: ServerProcess | undefined;
  let db: Db | undefined;
  try {
    let t = performance.now();
    cli(['seed', '--demo'], env);
    const seedSeconds = (performance.now() - t) / 1000;
    progress(`${backend}: seeded in ${fmt(seedSeconds, 1)} s`);
    server = await startServer({ ...env, MQTT_URL, MQTT_TOPIC_ROOT: root, NODE_OPTIONS: process.env.CHENGYUN_BENCH_SERVER_NODE_OPTIONS });
    const api = new Api(server.port);
    const token = await api.login('admin', PASSWORD);
    t = performance.now();
    const gateways = await register(api, token, SENSORS - 3000, 'B');
    const registerSeconds = (performance.now() - t) / 1000;
    const rssAfterRegisterMb = rssMb(server.pid, 'VmRSS');
    progress(`${backend}: ${SENSORS} sensors registered in ${fmt(registerSeconds, 1)} s, server RSS ${fmt(rssAfterRegisterMb)} MB`);
    const make = readingsMaker();
    const http = await httpRun(server, gateways, make);
    progress(`${backend}: HTTP ${fmt(http.readingsPerSecond)} readings/s (p99 request ${fmt(http.p99Ms, 0)} ms, errors ${http.errors}${http.errorSamples?.length ? `: ${http.errorSamples[0]}` : ''})`);
    const pacedRate = Math.max(HTTP_BATCH, Math.round(http.readingsPerSecond / 2));
    await sleep(3000);
    const probe = await alarmLatencyProbe(api, token, gateways);
    const paced = await pacedRun(server, gateways, make, pacedRate);
    const alarm = { ...(await probe.stop()), loadReadingsPerSecond: pacedRate, pacedErrors: paced.errors };
    progress(`${backend}: at ${fmt(pacedRate)} readings/s, red reading stored: p50 ${fmt(alarm.storedP50Ms)} ms, p99 ${fmt(alarm.storedP99Ms)} ms; → alarm.raised on SSE: p50 ${fmt(alarm.p50Ms)} ms, p99 ${fmt(alarm.p99Ms)} ms over ${alarm.samples} (${alarm.missed} not seen)`);
    const mq = await mqttRun(server, api, token, root, gateways, make);
    progress(`${backend}: MQTT ${fmt(mq.readingsPerSecond)} readings/s`);
    const rssPeakMb = rssMb(server.pid, 'VmHWM');
    api.close();
    await server.stop();
    server = undefined;
    db = await openDb(backend === 'PostgreSQL' ? { databaseUrl: env.DATABASE_URL } : { dataDir: dir });
    const heap = await registryHeap(db);
    const raw = await rawInsert(db, Date.now() - 25 * 86_400_000);
    progress(`${backend}: raw insert ${fmt(raw.readingsPerSecond)} readings/s; registry heap ${fmt(heap.mb)} MB for ${heap.size} sensors`);
    return { backend, seedSeconds, sensors: heap.size, registerSeconds, rssAfterRegisterMb, rssPeakMb, registryHeapMb: heap.mb, http, mqtt: mq, raw, alarm };
  } finally {
    await server?.stop();
    await db?.close();
    if (backend === 'PostgreSQL') await adminQuery(`drop database if exists ${name} with (force)`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

const results: BackendResult[] = [];
if (BACKENDS.includes('postgres')) {
  const problem = await postgresProblem();
  if (problem) process.stderr.write(`PostgreSQL not reachable (${problem}): skipped\n`);
  else results.push(await runBackend('PostgreSQL'));
}
if (BACKENDS.includes('embedded')) results.push(await runBackend('embedded'));

const pct = (v: number | null) => (v === null ? '–' : `${fmt(v)} %`);
const lines = [
  `Real \`chengyun serve\` process, ${fmt(SENSORS)} registered sensors behind ${GATEWAYS} gateways, ${DURATION_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up. `
    + `HTTP: ${HTTP_CONCURRENCY} connections × JSON batches of ${fmt(HTTP_BATCH)}; MQTT: ${MQTT_PUBLISHERS} publishers × messages of ${fmt(MQTT_MESSAGE)} at QoS 1 via Mosquitto. `
    + 'Readings are counted once durably stored (and handed to the rule evaluator, when one is registered). '
    + `Reference: the same database's raw insert of the same rows (binary COPY, one connection, batches of ${fmt(RAW_BATCH)}). Target ≥ ${fmt(TARGET)} readings/s on PostgreSQL. The machine was shared with other work, so figures are noisy.`,
  '',
  '| backend | path | readings/s | ratio to raw insert | p99 request | server CPU | PostgreSQL CPU |',
  '|---|---|---:|---:|---:|---:|---:|',
  ...results.flatMap((r) => [
    `| ${r.backend} | HTTP batches | ${fmt(r.http.readingsPerSecond)} | ${fmt(r.http.readingsPerSecond / r.raw.readingsPerSecond, 2)} | ${fmt(r.http.p99Ms, 0)} ms | ${pct(r.http.cpu.serverPct)} | ${pct(r.http.cpu.postgresPct)} |`,
    `| ${r.backend} | MQTT QoS 1 | ${fmt(r.mqtt.readingsPerSecond)} | ${fmt(r.mqtt.readingsPerSecond / r.raw.readingsPerSecond, 2)} | – | ${pct(r.mqtt.cpu.serverPct)} | ${pct(r.mqtt.cpu.postgresPct)} |`,
    `| ${r.backend} | raw insert (reference) | ${fmt(r.raw.readingsPerSecond)} | 1.00 | – | – | – |`,
  ]),
  '',
  '| backend | sensors | registration | server RSS after registration | server peak RSS | registry heap (this process) |',
  '|---|---:|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.backend} | ${fmt(r.sensors)} | ${fmt(r.registerSeconds, 1)} s | ${fmt(r.rssAfterRegisterMb)} MB | ${fmt(r.rssPeakMb)} MB | ${fmt(r.registryHeapMb)} MB |`),
  '',
  `Red alarm latency under a steady load of half the HTTP capacity measured above (open loop, batches of ${fmt(HTTP_BATCH)} on a fixed schedule): `
    + `a manhole cover sensor reports 45° (red ≥ 30°, immediate) every ${PROBE_MS} ms; time from sending it to the alarm.raised event on the admin's SSE stream (target < 1 s). `
    + 'At saturation the latency is the queue\'s length divided by the rate, so it is measured below it.',
  '',
  '| backend | load (readings/s) | stored (HTTP answer) p50 / p99 | alarm events | not seen within 3 s of the end | alarm event p50 | p99 | max |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.backend} | ${fmt(r.alarm.loadReadingsPerSecond)} | ${fmt(r.alarm.storedP50Ms)} / ${fmt(r.alarm.storedP99Ms)} ms | ${r.alarm.samples} | ${r.alarm.missed} | ${fmt(r.alarm.p50Ms)} ms | ${fmt(r.alarm.p99Ms)} ms | ${fmt(r.alarm.maxMs)} ms |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
writeResult('ingest', {
  sensors: SENSORS, durationMs: DURATION_MS, results,
  figures: results.flatMap((r) => {
    const raw = { name: `raw insert, ${r.backend} (binary COPY, one connection)`, value: r.raw.readingsPerSecond };
    return [
      figure(`HTTP ingest, ${r.backend}, ${fmt(SENSORS)} sensors`, r.http.readingsPerSecond, 'readings/s', raw),
      figure(`MQTT ingest, ${r.backend}, ${fmt(SENSORS)} sensors`, r.mqtt.readingsPerSecond, 'readings/s', raw),
      figure(`red reading → alarm.raised p99, ${r.backend}, at ${fmt(r.alarm.loadReadingsPerSecond)} readings/s`, r.alarm.p99Ms, 'ms', { name: 'target', value: 1000 }, 'lower'),
    ];
  }),
});
