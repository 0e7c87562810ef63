/**
 * Soak: mixed load on one server for minutes, watching for what only time shows — latency
 * creeping up, memory growing, events lost.
 *
 *   npm run bench -- soak                       (10 minutes; not part of a plain `npm run bench`)
 *   CHENGYUN_SOAK_MINUTES=2 npm run bench -- soak
 *
 * Load, paced (open loop, so a slow server gets a backlog, not a gentler client):
 * case intake (上报, citizens, Idempotency-Key) at CHENGYUN_SOAK_INTAKE per second (default 10),
 * queue queries (a district's open cases, an overdue filter, a case detail) at
 * CHENGYUN_SOAK_QUERIES per second (default 30), and CHENGYUN_SOAK_STREAMS live event streams
 * (default 1,000) held open by city operators the whole time. Sensor ingest joins when the
 * server has POST /api/v1/ingest/readings.
 * Per minute: requests, errors, p50/p99 per kind, server RSS and heap (after GC). At the end,
 * every stream must have received every event logged meanwhile, once: nothing dropped.
 * Reference: the first minute's p99 and memory — a stable server ends where it started.
 * Needs PostgreSQL (CHENGYUN_BENCH_ADMIN_URL); skips (exit 0) without it.
 */
import http from 'node:http';
import { join } from 'node:path';
import { pointInside } from '../test/support/geo.ts';
import { Api, cli, envSeconds, fmt, freshDatabase, percentile, postgresProblem, send, sleep, startServer, writeResult, adminQuery, ROOT, type HttpRequest } from './_support.ts';
import pg from 'pg';

const MINUTES = envSeconds('CHENGYUN_SOAK_MINUTES', 10);
const INTAKE_PER_S = envSeconds('CHENGYUN_SOAK_INTAKE', 10);
const QUERIES_PER_S = envSeconds('CHENGYUN_SOAK_QUERIES', 30);
const STREAMS = envSeconds('CHENGYUN_SOAK_STREAMS', 1000);
const PASSWORD = 'chengyun2026';
const DB_NAME = 'chengyun_bench_soak';

interface Minute { minute: number; kinds: Record<string, { n: number; errors: number; p50Ms: number; p99Ms: number }>; rssMb: number; heapMb: number; late: number }

const problem = await postgresProblem();
if (problem) {
  process.stdout.write(`soak skipped: PostgreSQL not reachable (${problem})\n`);
  process.exit(0);
}

const url = await freshDatabase(DB_NAME);
const seedStarted = performance.now();
cli(['seed', '--demo'], { DATABASE_URL: url });
process.stderr.write(`  seeded in ${fmt((performance.now() - seedStarted) / 1000, 1)} s\n`);
const server = await startServer({ DATABASE_URL: url }, [join(ROOT, 'node_modules/node/bin/node'), '--expose-gc', join(ROOT, 'bench/_soak-server.ts')]);
const api = new Api(server.port);

const memory = () => new Promise<{ rss: number; heapUsed: number }>((resolve) => {
  server.child.once('message', (m) => resolve(m as { rss: number; heapUsed: number }));
  server.child.send('memory');
});

try {
  const citizen = await api.login('citizen', PASSWORD);
  const district = await api.login('yuzhong.operator', PASSWORD);
  const city = await api.login('city.operator', PASSWORD);
  const outline = (await api.json<{ geometry: never }>('GET', '/api/v1/divisions/500103003/geometry', city)).geometry;
  const points = Array.from({ length: 50 }, (_, i) => pointInside(outline, i * 3));
  const hasIngest = ((await api.json<{ paths: Record<string, unknown> }>('GET', '/docs/json')).paths['/api/v1/ingest/readings']) !== undefined;

  // The streams: one socket each, counting the events they get.
  const streamAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const received: Map<string, number>[] = [];
  const streamRequests: http.ClientRequest[] = [];
  let streamsClosed = 0;
  await Promise.all(Array.from({ length: STREAMS }, (_, s) => new Promise<void>((resolve, reject) => {
    const seen = new Map<string, number>();
    received.push(seen);
    const req = http.get({ host: '127.0.0.1', port: server.port, path: '/api/v1/events/stream', agent: streamAgent, headers: { authorization: `Bearer ${city}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream ${s}: ${res.statusCode}`));
      resolve();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const id = /^id: (.+)$/m.exec(buffer.slice(0, at))?.[1];
          buffer = buffer.slice(at + 2);
          if (id) seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      });
      res.on('close', () => { streamsClosed++; });
    });
    req.on('error', () => undefined);
    streamRequests.push(req);
  })));
  process.stderr.write(`  ${STREAMS} streams open${hasIngest ? '' : '; no sensor ingest endpoint on this server, so none'}\n`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const started = Date.now();
  const samples = new Map<string, { ms: number[]; errors: number }>();
  let late = 0;
  let serial = 0;
  const kinds: Record<string, { perSecond: number; make: () => HttpRequest; expect: number[] }> = {
    intake: {
      perSecond: INTAKE_PER_S, expect: [201],
      make: () => {
        const [lon, lat] = points[serial % points.length];
        return { method: 'POST', path: '/api/v1/cases', headers: { authorization: `Bearer ${citizen}`, 'idempotency-key': `soak-${started}-${serial++}` }, body: JSON.stringify({ categoryCode: 'E0102', description: `浸泡测试上报 ${serial}`, location: { lon, lat } }) };
      },
    },
    queue: { perSecond: QUERIES_PER_S * 0.6, expect: [200], make: () => ({ method: 'GET', path: '/api/v1/cases?status=reported&limit=50', headers: { authorization: `Bearer ${district}` } }) },
    overdue: { perSecond: QUERIES_PER_S * 0.4, expect: [200], make: () => ({ method: 'GET', path: '/api/v1/cases?overdue=true&limit=20', headers: { authorization: `Bearer ${city}` } }) },
  };
  const inFlight = new Set<Promise<void>>();
  const fire = (kind: string) => {
    if (inFlight.size >= 256) { late++; return; }
    const { make, expect } = kinds[kind];
    const t = performance.now();
    const p = send(agent, server.port, make()).then(
      (res) => record(kind, performance.now() - t, !expect.includes(res.status)),
      () => record(kind, performance.now() - t, true),
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const record = (kind: string, ms: number, failed: boolean) => {
    const s = samples.get(kind) ?? { ms: [], errors: 0 };
    s.ms.push(ms);
    if (failed) s.errors++;
    samples.set(kind, s);
  };
  const timers = Object.entries(kinds).map(([kind, k]) => setInterval(() => fire(kind), 1000 / k.perSecond));

  const minutes: Minute[] = [];
  for (let m = 1; m <= MINUTES; m++) {
    await sleep(started + m * 60_000 - Date.now());
    const snapshot = new Map(samples);
    samples.clear();
    const mem = await memory();
    const row: Minute = { minute: m, kinds: {}, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20, late };
    for (const [kind, s] of snapshot) {
      s.ms.sort((a, b) => a - b);
      row.kinds[kind] = { n: s.ms.length, errors: s.errors, p50Ms: percentile(s.ms, 0.5), p99Ms: percentile(s.ms, 0.99) };
    }
    late = 0;
    minutes.push(row);
    process.stderr.write(`  minute ${m}: ${Object.entries(row.kinds).map(([k, v]) => `${k} ${v.n} (${v.errors} err) p99 ${fmt(v.p99Ms)} ms`).join(', ')}; RSS ${fmt(row.rssMb)} MB, heap ${fmt(row.heapMb)} MB\n`);
  }
  for (const t of timers) clearInterval(t);
  await Promise.all(inFlight);
  await sleep(3_000); // the last events reach the streams

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const logged = (await client.query<{ id: string }>(`select id from event_log where at >= $1`, [new Date(started)])).rows.map((r) => r.id);
  await client.end();
  let missing = 0;
  let duplicated = 0;
  for (const seen of received) {
    for (const id of logged) {
      const n = seen.get(id) ?? 0;
      if (n === 0) missing++;
      else if (n > 1) duplicated++;
    }
  }
  for (const req of streamRequests) req.destroy();
  streamAgent.destroy();
  agent.destroy();

  const first = minutes[0];
  const last = minutes.at(-1)!;
  const totals = { requests: minutes.reduce((s, m) => s + Object.values(m.kinds).reduce((a, k) => a + k.n, 0), 0), errors: minutes.reduce((s, m) => s + Object.values(m.kinds).reduce((a, k) => a + k.errors, 0), 0) };
  const lines = [
    `${MINUTES} min on PostgreSQL, ${STREAMS} live streams, intake ${INTAKE_PER_S}/s, queries ${QUERIES_PER_S}/s${hasIngest ? ', sensor ingest' : ''} (the machine was shared; figures are noisy)`,
    '',
    '| minute | intake p99 ms | queue p99 ms | overdue p99 ms | requests | errors | RSS MB | heap MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...minutes.map((m) => `| ${m.minute} | ${fmt(m.kinds.intake?.p99Ms)} | ${fmt(m.kinds.queue?.p99Ms)} | ${fmt(m.kinds.overdue?.p99Ms)} | ${Object.values(m.kinds).reduce((a, k) => a + k.n, 0)} | ${Object.values(m.kinds).reduce((a, k) => a + k.errors, 0)} | ${fmt(m.rssMb)} | ${fmt(m.heapMb)} |`),
    '',
    `Events logged: ${logged.length}; deliveries expected ${logged.length * STREAMS}, missing ${missing}, duplicated ${duplicated}; streams closed by the server ${streamsClosed}.`,
    `Reference (first minute → last): intake p99 ${fmt(first.kinds.intake?.p99Ms)} → ${fmt(last.kinds.intake?.p99Ms)} ms (×${fmt((last.kinds.intake?.p99Ms ?? NaN) / (first.kinds.intake?.p99Ms ?? NaN), 2)}), heap ${fmt(first.heapMb)} → ${fmt(last.heapMb)} MB (×${fmt(last.heapMb / first.heapMb, 2)}).`,
    `Requests ${totals.requests}, errors ${totals.errors}, skipped for backlog ${minutes.reduce((s, m) => s + m.late, 0)}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeResult('soak', { minutes: MINUTES, streams: STREAMS, intakePerSecond: INTAKE_PER_S, queriesPerSecond: QUERIES_PER_S, perMinute: minutes, events: logged.length, missing, duplicated, streamsClosed, totals });
  if (missing || duplicated || totals.errors) process.exitCode = 1;
} finally {
  api.close();
  await server.stop();
  await adminQuery(`drop database if exists ${DB_NAME} with (force)`).catch(() => undefined);
}
