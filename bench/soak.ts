/**
 * Soak: mixed load on one server for minutes, watching for what only time shows — latency
 * creeping up, memory growing, events or readings lost.
 *
 *   npm run bench -- soak                       (10 minutes; not part of a plain `npm run bench`)
 *   CHENGYUN_SOAK_MINUTES=2 npm run bench -- soak
 *
 * Load, paced (open loop, so a slow server gets a backlog, not a gentler client):
 * - case intake (上报, citizens, Idempotency-Key): CHENGYUN_SOAK_INTAKE per second (default 10);
 * - queue queries (a district's reported cases, the city's overdue list): CHENGYUN_SOAK_QUERIES
 *   per second (default 30);
 * - CHENGYUN_SOAK_STREAMS live event streams (default 1,000) held open by city operators;
 * - sensor ingest over HTTP with device credentials (`Authorization: Device <code>:<secret>`):
 *   CHENGYUN_SOAK_INGEST_BATCHES per second (default 20) of CHENGYUN_SOAK_INGEST_BATCH readings
 *   (default 50) from 100 devices in turn, so each device reports every 5 s;
 * - sensor ingest over MQTT (QoS 1) through one gateway when the broker at CHENGYUN_BENCH_MQTT_URL
 *   (mqtt://127.0.0.1:1883) answers: CHENGYUN_SOAK_MQTT_MESSAGES per second (default 2) of
 *   CHENGYUN_SOAK_MQTT_READINGS readings (default 250) for its 100 sensors.
 * The defaults keep a 2-core machine (server, PostgreSQL and this load generator together)
 * well below saturation, which is the point: a soak looks for drift, not for the limit
 * (bench/case-intake.ts and bench/ingest.ts measure the limits).
 *
 * Per minute: requests, errors, p50/p99 per kind, server RSS and heap (after a full GC), CPU of
 * the server and PostgreSQL. At the end: every stream must have received every event logged
 * meanwhile, once; every reading acknowledged (HTTP 200 `accepted`, MQTT PUBACK) must be
 * stored, once. Reference: the first minute's p99 and memory — a stable server ends where it started.
 * Needs PostgreSQL (CHENGYUN_BENCH_ADMIN_URL); skips (exit 0) without it.
 */
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { pointInside } from '../test/support/geo.ts';
import { readFrames } from '../test/support/sse.ts';
import {
  Api, cli, cpuMeter, envSeconds, figure, fmt, freshDatabase, percentile, postgresProblem, send, sleep, startServer, writeResult, adminQuery, ROOT, type HttpRequest,
} from './_support.ts';

const MINUTES = envSeconds('CHENGYUN_SOAK_MINUTES', 10);
const INTAKE_PER_S = envSeconds('CHENGYUN_SOAK_INTAKE', 10);
const QUERIES_PER_S = envSeconds('CHENGYUN_SOAK_QUERIES', 30);
const STREAMS = envSeconds('CHENGYUN_SOAK_STREAMS', 1000);
const INGEST_BATCHES_PER_S = envSeconds('CHENGYUN_SOAK_INGEST_BATCHES', 20);
const INGEST_BATCH = envSeconds('CHENGYUN_SOAK_INGEST_BATCH', 50);
const MQTT_MESSAGES_PER_S = envSeconds('CHENGYUN_SOAK_MQTT_MESSAGES', 2);
const MQTT_READINGS = envSeconds('CHENGYUN_SOAK_MQTT_READINGS', 250);
const MQTT_URL = process.env.CHENGYUN_BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const DEVICES = 100;
const PASSWORD = 'chengyun2026';
const DB_NAME = 'chengyun_bench_soak';
/** Quiet readings (normal value ± noise) of sensor types with default rules, so no alarm is raised. */
const TYPES = [['gas_pressure', 300, 5], ['water_pressure', 0.35, 0.01], ['bridge_strain', 150, 20]] as const;

interface KindMinute { n: number; errors: number; p50Ms: number; p99Ms: number }
interface Minute {
  minute: number; kinds: Record<string, KindMinute>; rssMb: number; heapMb: number; late: number;
  serverCpuPct: number | null; postgresCpuPct: number | null; loadCpuPct: number; machineBusyPct: number | null; readingsAcknowledged: number;
}

const problem = await postgresProblem();
if (problem) {
  process.stdout.write(`soak skipped: PostgreSQL not reachable (${problem})\n`);
  process.exit(0);
}

async function mqttClient(): Promise<MqttClient | undefined> {
  try {
    return await mqtt.connectAsync(MQTT_URL, { clientId: `chengyun-soak-${process.pid}`, connectTimeout: 3000, reconnectPeriod: 1000 });
  } catch {
    return undefined;
  }
}

const url = await freshDatabase(DB_NAME);
const seedStarted = performance.now();
cli(['seed', '--demo'], { DATABASE_URL: url });
process.stderr.write(`  seeded in ${fmt((performance.now() - seedStarted) / 1000, 1)} s\n`);
const publisher = await mqttClient();
const topicRoot = `soak-${process.pid}/v1`;
const server = await startServer(
  { DATABASE_URL: url, ...(publisher ? { MQTT_URL, MQTT_TOPIC_ROOT: topicRoot } : {}) },
  [join(ROOT, 'node_modules/node/bin/node'), '--expose-gc', join(ROOT, 'bench/_soak-server.ts')],
);
const api = new Api(server.port);

const memory = () => new Promise<{ rss: number; heapUsed: number }>((resolve) => {
  server.child.once('message', (m) => resolve(m as { rss: number; heapUsed: number }));
  server.child.send('memory');
});

/** Sensors for the soak: DEVICES reporting with their own secrets, DEVICES behind one MQTT gateway. */
async function registerSensors(admin: string): Promise<{ devices: { code: string; secret: string; type: number }[]; gateway: { code: string; sensors: { code: string; type: number }[] } }> {
  const spots = (await api.json<{ items: { lon: number; lat: number }[] }>('GET', '/api/v1/sensors?limit=200', admin)).items;
  const gatewayCode = 'SOAK-GW';
  await api.json('POST', '/api/v1/gateways', admin, { code: gatewayCode, name: '浸泡测试网关', ownerUnitId: 'D-500000-gas' });
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ code: `SOAK-D${i}`, secret: `soak-secret-${i}-${'x'.repeat(16)}`, type: i % TYPES.length }));
  const relayed = Array.from({ length: DEVICES }, (_, i) => ({ code: `SOAK-G${i}`, type: i % TYPES.length }));
  const at = (i: number) => `${spots[i % spots.length].lon},${spots[i % spots.length].lat}`;
  const csv = [
    'code,type,lon,lat,secret,gateway',
    ...devices.map((d, i) => `${d.code},${TYPES[d.type][0]},${at(i)},${d.secret},`),
    ...relayed.map((d, i) => `${d.code},${TYPES[d.type][0]},${at(i + DEVICES)},,${gatewayCode}`),
  ].join('\n');
  const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/sensors/import`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/csv' }, body: csv });
  if (res.status !== 201) throw new Error(`sensor import: ${res.status} ${(await res.text()).slice(0, 500)}`);
  return { devices, gateway: { code: gatewayCode, sensors: relayed } };
}

/** `n` quiet readings of `sensors` in turn, each sensor's timestamps strictly increasing (no duplicates). */
function readingsMaker(): (sensors: readonly { code: string; type: number }[], n: number) => string {
  const last = new Map<string, number>();
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return (sensors, n) => {
    const now = Date.now();
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = sensors[i % sensors.length];
      const ts = Math.max(now, (last.get(s.code) ?? 0) + 1);
      last.set(s.code, ts);
      const [, base, noise] = TYPES[s.type];
      parts.push(`{"sensor":"${s.code}","ts":${ts},"value":${(base + (random() * 2 - 1) * noise).toFixed(3)}}`);
    }
    return `[${parts.join(',')}]`;
  };
}

try {
  const citizen = await api.login('citizen', PASSWORD);
  const district = await api.login('yuzhong.operator', PASSWORD);
  const city = await api.login('city.operator', PASSWORD);
  const admin = await api.login('admin', PASSWORD);
  const outline = (await api.json<{ geometry: never }>('GET', '/api/v1/divisions/500103003/geometry', city)).geometry;
  const points = Array.from({ length: 50 }, (_, i) => pointInside(outline, i * 3));
  const sensors = await registerSensors(admin);
  const readings = readingsMaker();

  // The streams: one socket each, counting the events they get. Event ids are numbered once for
  // all streams and each stream keeps a count per number: a Map of ids per stream would hold
  // millions of strings (each pinning its whole frame) and exhaust this process within minutes.
  const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const eventNumbers = new Map<string, number>();
  const numberOf = (id: string) => {
    let n = eventNumbers.get(id);
    if (n === undefined) eventNumbers.set(Buffer.from(id).toString(), (n = eventNumbers.size));
    return n;
  };
  const received: { counts: Uint8Array }[] = [];
  const streamRequests: http.ClientRequest[] = [];
  let streamsClosed = 0;
  await Promise.all(Array.from({ length: STREAMS }, (_, s) => new Promise<void>((resolve, reject) => {
    const seen = { counts: new Uint8Array(4096) };
    received.push(seen);
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/v1/events/stream', agent: streamAgent, headers: { authorization: `Bearer ${city}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream ${s}: ${res.statusCode}`));
      resolve();
      readFrames(res, ({ id }) => {
        if (!id) return;
        const n = numberOf(id);
        if (n >= seen.counts.length) {
          const grown = new Uint8Array(Math.max(n + 1, seen.counts.length * 2));
          grown.set(seen.counts);
          seen.counts = grown;
        }
        if (seen.counts[n] < 255) seen.counts[n]++;
      });
      res.on('close', () => { streamsClosed++; });
    });
    req.on('error', () => undefined);
    streamRequests.push(req);
  })));
  process.stderr.write(`  ${STREAMS} streams open; ${DEVICES} devices over HTTP${publisher ? `, ${DEVICES} sensors behind a gateway over MQTT` : '; MQTT broker not reachable, so no MQTT ingest'}\n`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const started = Date.now();
  const loadAtStart = os.loadavg();
  const samples = new Map<string, { ms: number[]; errors: number }>();
  const errorSamples: string[] = [];
  let late = 0;
  let serial = 0;
  let device = 0;
  const acknowledged = { http: 0, httpDuplicates: 0, mqtt: 0, mqttFailed: 0, thisMinute: 0 };
  const kinds: Record<string, { perSecond: number; make: () => HttpRequest; expect: number[]; onAnswer?: (body: string) => void }> = {
    intake: {
      perSecond: INTAKE_PER_S, expect: [201],
      make: () => {
        const [lon, lat] = points[serial % points.length];
        return { method: 'POST', path: '/api/v1/cases', headers: { authorization: `Bearer ${citizen}`, 'idempotency-key': `soak-${started}-${serial++}` }, body: JSON.stringify({ categoryCode: 'E0102', description: `浸泡测试上报 ${serial}`, location: { lon, lat } }) };
      },
    },
    queue: { perSecond: QUERIES_PER_S * 0.6, expect: [200], make: () => ({ method: 'GET', path: '/api/v1/cases?status=reported&limit=50', headers: { authorization: `Bearer ${district}` } }) },
    overdue: { perSecond: QUERIES_PER_S * 0.4, expect: [200], make: () => ({ method: 'GET', path: '/api/v1/cases?overdue=true&limit=20', headers: { authorization: `Bearer ${city}` } }) },
    ingest: {
      perSecond: INGEST_BATCHES_PER_S, expect: [200],
      make: () => {
        const d = sensors.devices[device++ % sensors.devices.length];
        return { method: 'POST', path: '/api/v1/ingest/readings', headers: { authorization: `Device ${d.code}:${d.secret}` }, body: readings([d], INGEST_BATCH) };
      },
      onAnswer: (body) => {
        const r = JSON.parse(body) as { accepted: number; duplicates: number };
        acknowledged.http += r.accepted;
        acknowledged.thisMinute += r.accepted;
        acknowledged.httpDuplicates += r.duplicates;
      },
    },
  };
  const inFlight = new Set<Promise<void>>();
  const record = (kind: string, ms: number, failure: string | null) => {
    const s = samples.get(kind) ?? { ms: [], errors: 0 };
    s.ms.push(ms);
    if (failure) {
      s.errors++;
      if (errorSamples.length < 10) errorSamples.push(`${kind}: ${failure.slice(0, 200)}`);
    }
    samples.set(kind, s);
  };
  const fire = (kind: string) => {
    if (inFlight.size >= 256) { late++; return; }
    const { make, expect, onAnswer } = kinds[kind];
    const t = performance.now();
    const p = send(agent, server.port, make()).then(
      (res) => {
        const ok = expect.includes(res.status);
        if (ok) onAnswer?.(res.body);
        record(kind, performance.now() - t, ok ? null : `${res.status} ${res.body}`);
      },
      (error: Error) => record(kind, performance.now() - t, error.message),
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  // MQTT: a QoS 1 publish resolves on the broker's PUBACK; the server takes it from the broker
  // and acknowledges to the broker only once stored, so it is counted against what is stored.
  const publish = () => {
    const t = performance.now();
    const p = publisher!.publishAsync(`${topicRoot}/${sensors.gateway.code}/readings`, readings(sensors.gateway.sensors, MQTT_READINGS), { qos: 1 }).then(
      () => { acknowledged.mqtt += MQTT_READINGS; acknowledged.thisMinute += MQTT_READINGS; record('mqtt', performance.now() - t, null); },
      (error: Error) => { acknowledged.mqttFailed += MQTT_READINGS; record('mqtt', performance.now() - t, error.message); },
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  // The schedule is kept by the clock, not by timer ticks: a tick that comes late (this process
  // or the machine busy) sends everything that was due meanwhile, so the offered rate holds.
  const schedule = [
    ...Object.entries(kinds).map(([kind, k]) => ({ perSecond: k.perSecond, send: () => fire(kind), sent: 0 })),
    ...(publisher ? [{ perSecond: MQTT_MESSAGES_PER_S, send: publish, sent: 0 }] : []),
  ];
  const ticker = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    for (const k of schedule) for (; k.sent < Math.floor(elapsed * k.perSecond); k.sent++) k.send();
  }, 10);
  const timers = [ticker];

  const minutes: Minute[] = [];
  let cpu = cpuMeter(server.pid);
  for (let m = 1; m <= MINUTES; m++) {
    await sleep(started + m * 60_000 - Date.now());
    const snapshot = new Map(samples);
    samples.clear();
    const share = cpu.stop();
    cpu = cpuMeter(server.pid);
    const mem = await memory();
    const row: Minute = {
      minute: m, kinds: {}, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20, late,
      serverCpuPct: share.serverPct, postgresCpuPct: share.postgresPct, loadCpuPct: share.benchPct, machineBusyPct: share.machineBusyPct, readingsAcknowledged: acknowledged.thisMinute,
    };
    for (const [kind, s] of snapshot) {
      s.ms.sort((a, b) => a - b);
      row.kinds[kind] = { n: s.ms.length, errors: s.errors, p50Ms: percentile(s.ms, 0.5), p99Ms: percentile(s.ms, 0.99) };
    }
    late = 0;
    acknowledged.thisMinute = 0;
    minutes.push(row);
    process.stderr.write(`  minute ${m}: ${Object.entries(row.kinds).map(([k, v]) => `${k} ${v.n} (${v.errors} err) p99 ${fmt(v.p99Ms)} ms`).join(', ')}; `
      + `RSS ${fmt(row.rssMb)} MB, heap ${fmt(row.heapMb)} MB; CPU server ${fmt(row.serverCpuPct)} %, PostgreSQL ${fmt(row.postgresCpuPct)} %, load generator ${fmt(row.loadCpuPct)} %, machine ${fmt(row.machineBusyPct)} %; load ${os.loadavg()[0].toFixed(1)}\n`);
  }
  for (const t of timers) clearInterval(t);
  await Promise.all(inFlight);

  // Readings: everything acknowledged must be stored once (the primary key is (sensor, ts), so
  // "once" is the table's; "stored" is checked by count). MQTT readings may still be on their way
  // from the broker when the last PUBACK came back: wait for them a little.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const storedReadings = async () => (await client.query<{ n: number }>(
    `select count(*)::int as n from sensing_reading r join sensing_sensor s on s.num = r.sensor_num where s.code like 'SOAK-%'`,
  )).rows[0].n;
  const ackTotal = acknowledged.http + acknowledged.mqtt;
  let stored = await storedReadings();
  for (let i = 0; i < 60 && stored < ackTotal; i++) {
    await sleep(500);
    stored = await storedReadings();
  }
  await sleep(3_000); // the last events reach the streams

  const logged = (await client.query<{ id: string }>(`select id from event_log where at >= $1`, [new Date(started)])).rows.map((r) => r.id);
  await client.end();
  const closedEarly = streamsClosed;
  let missing = 0;
  let duplicated = 0;
  let complete = 0;
  const delivered: number[] = [];
  for (const seen of received) {
    let got = 0;
    let dup = 0;
    for (const id of logged) {
      const k = eventNumbers.get(id);
      const n = k === undefined ? 0 : seen.counts[k] ?? 0;
      if (n === 0) missing++;
      else got++;
      if (n > 1) dup++;
    }
    duplicated += dup;
    delivered.push(got);
    if (got === logged.length && dup === 0) complete++;
  }
  for (const req of streamRequests) req.destroy();
  streamAgent.destroy();
  agent.destroy();
  await publisher?.endAsync();

  const sum = (f: (m: Minute) => number) => minutes.reduce((s, m) => s + f(m), 0);
  const requestsOf = (m: Minute) => Object.values(m.kinds).reduce((a, k) => a + k.n, 0);
  const errorsOf = (m: Minute) => Object.values(m.kinds).reduce((a, k) => a + k.errors, 0);
  const totals = { requests: sum(requestsOf), errors: sum(errorsOf), late: sum((m) => m.late) };
  const first = minutes[0];
  const last = minutes.at(-1)!;
  const worst = (kind: string) => Math.max(...minutes.map((m) => m.kinds[kind]?.p99Ms ?? 0));
  const kindNames = ['intake', 'queue', 'overdue', 'ingest', ...(publisher ? ['mqtt'] : [])];
  const readingsPerSecond = (INGEST_BATCHES_PER_S * INGEST_BATCH) + (publisher ? MQTT_MESSAGES_PER_S * MQTT_READINGS : 0);
  const lines = [
    `${MINUTES} min on PostgreSQL, ${STREAMS} live streams, intake ${INTAKE_PER_S}/s, queries ${QUERIES_PER_S}/s, `
      + `sensor ingest ${INGEST_BATCHES_PER_S} HTTP batches/s × ${INGEST_BATCH} readings from ${DEVICES} devices`
      + `${publisher ? ` + ${MQTT_MESSAGES_PER_S} MQTT messages/s × ${MQTT_READINGS} readings through one gateway` : ''} = ${fmt(readingsPerSecond)} readings/s `
      + '(open loop; the machine was shared, figures are noisy)',
    '',
    `| minute | ${kindNames.map((k) => `${k} p99 ms`).join(' | ')} | requests | errors | readings acked | RSS MB | heap MB | server CPU % | PostgreSQL CPU % | load generator CPU % | machine busy % |`,
    `|---:|${kindNames.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ...minutes.map((m) => `| ${m.minute} | ${kindNames.map((k) => fmt(m.kinds[k]?.p99Ms)).join(' | ')} | ${requestsOf(m)} | ${errorsOf(m)} | ${fmt(m.readingsAcknowledged)} | ${fmt(m.rssMb)} | ${fmt(m.heapMb)} | ${fmt(m.serverCpuPct)} | ${fmt(m.postgresCpuPct)} | ${fmt(m.loadCpuPct)} | ${fmt(m.machineBusyPct)} |`),
    '',
    `Events logged: ${logged.length}; per stream delivered min ${Math.min(...delivered)} / max ${Math.max(...delivered)} of ${logged.length}; `
      + `streams with every event exactly once ${complete} of ${STREAMS}; deliveries missing ${missing}, duplicated ${duplicated}; streams closed by the server before the end ${closedEarly}.`,
    `Readings acknowledged ${fmt(ackTotal)} (HTTP ${fmt(acknowledged.http)}, MQTT ${fmt(acknowledged.mqtt)}), stored ${fmt(stored)}; `
      + `HTTP duplicates reported ${acknowledged.httpDuplicates}; MQTT publishes failed ${acknowledged.mqttFailed / MQTT_READINGS}.`,
    `Reference (first minute → last): ${kindNames.map((k) => `${k} p99 ${fmt(first.kinds[k]?.p99Ms)} → ${fmt(last.kinds[k]?.p99Ms)} ms`).join(', ')}; `
      + `heap ${fmt(first.heapMb)} → ${fmt(last.heapMb)} MB (×${fmt(last.heapMb / first.heapMb, 2)}), RSS ${fmt(first.rssMb)} → ${fmt(last.rssMb)} MB.`,
    `Load average (1/5/15 min) at the start ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}.`,
    `Requests ${totals.requests}, errors ${totals.errors}, skipped for backlog ${totals.late}.${errorSamples.length ? ` First errors: ${errorSamples.join(' | ')}` : ''}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const p99 = (kind: string) => figure(`${kind} p99 in the last minute (worst minute ${fmt(worst(kind))} ms)`, last.kinds[kind]?.p99Ms ?? NaN, 'ms', { name: 'first minute', value: first.kinds[kind]?.p99Ms ?? NaN }, 'lower');
  writeResult('soak', {
    figures: [
      ...kindNames.map(p99),
      figure('server heap after GC, last minute', last.heapMb, 'MB', { name: 'first minute', value: first.heapMb }, 'lower'),
      figure('server RSS, last minute', last.rssMb, 'MB', { name: 'first minute', value: first.rssMb }, 'lower'),
      figure('event deliveries received once', logged.length * STREAMS - missing - duplicated, 'deliveries', { name: 'events logged × streams', value: logged.length * STREAMS }),
      figure('readings stored', stored, 'readings', { name: 'readings acknowledged', value: ackTotal }),
    ],
    minutes: MINUTES, streams: STREAMS, intakePerSecond: INTAKE_PER_S, queriesPerSecond: QUERIES_PER_S,
    ingest: { httpBatchesPerSecond: INGEST_BATCHES_PER_S, httpBatch: INGEST_BATCH, mqttMessagesPerSecond: publisher ? MQTT_MESSAGES_PER_S : 0, mqttReadings: MQTT_READINGS, devices: DEVICES },
    loadAverage: { start: loadAtStart, end: os.loadavg() },
    perMinute: minutes, events: logged.length, deliveredPerStream: { min: Math.min(...delivered), max: Math.max(...delivered) }, completeStreams: complete,
    missing, duplicated, streamsClosedEarly: closedEarly, readings: { acknowledged: ackTotal, ...acknowledged, stored }, totals, errorSamples,
  });
  if (missing || duplicated || closedEarly || totals.errors || stored !== ackTotal) process.exitCode = 1;
} finally {
  api.close();
  await server.stop();
  await adminQuery(`drop database if exists ${DB_NAME} with (force)`).catch(() => undefined);
}
