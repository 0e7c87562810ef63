/**
 * Case intake (上报) throughput and latency through the real server.
 *
 *   node_modules/.bin/node bench/case-intake.ts
 *
 * Seeds a fresh PostgreSQL database (and, for a second row, a fresh embedded one), starts
 * `chengyun serve` as its own process and drives POST /api/v1/cases at a fixed number of
 * requests in flight with realistic reports, each with its own Idempotency-Key. References,
 * measured the same way: the same server's GET /health (HTTP floor), and a plain insert of the
 * same case row through the server's own storage layer, and the rows a report adds made inside
 * PostgreSQL with no application at all (the database floor, what any intake must cost it),
 * from which the bench works out what the machine's cores allow. Then, to see where
 * an intake's time goes: pg_stat_activity sampled during the run, and a run against a copy of
 * the server whose database handle times every statement and whose CPU is sampled by V8
 * (bench/_intake-profile-server.ts).
 *
 * Environment: CHENGYUN_BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * CHENGYUN_BENCH_SECONDS (measured seconds per run, default 20), CHENGYUN_BENCH_WARMUP (3).
 * Skips (exit 0) when PostgreSQL is not reachable.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as store from '../src/cases/store.ts';
import type { Case, Timer } from '../src/cases/store.ts';
import type { Geometry } from '../src/divisions/model.ts';
import { seededRandom } from '../src/geo/partition.ts';
import { bboxOf, pointInGeometry } from '../src/geo/polygon.ts';
import { newId } from '../src/ids.ts';
import { openDb, type Db } from '../src/storage/db.ts';
import {
  activitySampler, adminQuery, Api, cli, cpuMeter, envSeconds, figure, fmt, httpOp, postgresProblem, runLoad, sleep, startServer, writeResult,
  ADMIN_URL, type ActivityProfile, type CpuShare, type HttpRequest, type LoadResult, type ServerProcess,
  freshDatabase,
} from './_support.ts';

const PASSWORD = 'chengyun2026';
const CONCURRENCY = [32, 64];
const WARMUP_MS = envSeconds('CHENGYUN_BENCH_WARMUP', 3) * 1000;
const DURATION_MS = envSeconds('CHENGYUN_BENCH_SECONDS', 20) * 1000;
/** The profiled and replayed runs only explain the main ones; they need not be as long. */
const SHORT_MS = Math.min(DURATION_MS, 10_000);
const TARGET = { casesPerSecond: 2000, p99Ms: 100 };

/** Where reports come from: half in 渝中区, the rest in other urban districts and one outlying. */
const DISTRICTS: readonly { code: string; name: string; weight: number }[] = [
  { code: '500103', name: '渝中区', weight: 0.5 },
  { code: '500106', name: '沙坪坝区', weight: 0.12 },
  { code: '500107', name: '九龙坡区', weight: 0.1 },
  { code: '500108', name: '南岸区', weight: 0.1 },
  { code: '500199', name: '两江新区', weight: 0.1 },
  { code: '500101', name: '万州区', weight: 0.08 },
];

/** What people report most: litter, flyposting, covers, lamps, hawkers, noise, the odd cave-in. */
const CATEGORIES: readonly { code: string; text: string; weight: number }[] = [
  { code: 'E0102', text: '路边有暴露垃圾无人清运，气味较大', weight: 0.24 },
  { code: 'E0201', text: '墙面和电杆上张贴大量小广告', weight: 0.14 },
  { code: 'E0104', text: '人行道路面不洁，有油污和杂物', weight: 0.12 },
  { code: 'E0103', text: '路口堆放建筑渣土，影响通行', weight: 0.08 },
  { code: 'C0101', text: '上水井盖松动，车辆经过有响声', weight: 0.1 },
  { code: 'C0118', text: '路灯不亮，夜间行人看不清路面', weight: 0.1 },
  { code: 'E0501', text: '无照游商占道经营', weight: 0.1 },
  { code: 'E0301', text: '夜间施工噪声扰民', weight: 0.09 },
  { code: 'E0401', text: '路面出现塌陷坑洞，已有车辆受损', weight: 0.03 },
];

const URGENCY: readonly { value: string; weight: number }[] = [
  { value: 'normal', weight: 0.9 }, { value: 'urgent', weight: 0.08 }, { value: 'critical', weight: 0.02 },
];

function pick<T extends { weight: number }>(items: readonly T[], r: number): T {
  let acc = 0;
  for (const item of items) {
    acc += item.weight;
    if (r < acc) return item;
  }
  return items[items.length - 1];
}

interface Row {
  backend: 'PostgreSQL' | 'embedded';
  workload: string;
  concurrency: number;
  load: LoadResult;
  cpu: CpuShare;
  activity?: ActivityProfile;
  eventLog?: { casesInRun: number; backlogAtEnd: number; drainSeconds: number };
  db?: DbCounters;
}

/** Counters of the bench database only (pg_stat_wal would include every other database on the server). */
interface DbCounters { commits: number; tuplesInserted: number; tuplesUpdated: number }

async function dbCounters(db: Db): Promise<DbCounters> {
  const [d] = await db.query<{ xact_commit: string; tup_inserted: string; tup_updated: string }>(
    'select xact_commit::text, tup_inserted::text, tup_updated::text from pg_stat_database where datname = current_database()',
  );
  return { commits: Number(d.xact_commit), tuplesInserted: Number(d.tup_inserted), tuplesUpdated: Number(d.tup_updated) };
}

const minus = (a: DbCounters, b: DbCounters): DbCounters => ({
  commits: a.commits - b.commits, tuplesInserted: a.tuplesInserted - b.tuplesInserted, tuplesUpdated: a.tuplesUpdated - b.tuplesUpdated,
});

/** Points inside each district's outline, from the API, so they are where the server thinks. */
async function samplePoints(api: Api, token: string, perDistrict: number): Promise<Map<string, [number, number][]>> {
  const random = seededRandom('bench:case-intake');
  const out = new Map<string, [number, number][]>();
  for (const d of DISTRICTS) {
    const feature = await api.json<{ geometry: Geometry }>('GET', `/api/v1/divisions/${d.code}/geometry`, token);
    const [x0, y0, x1, y1] = bboxOf(feature.geometry);
    const points: [number, number][] = [];
    for (let attempt = 0; points.length < perDistrict && attempt < perDistrict * 1000; attempt++) {
      const x = x0 + random() * (x1 - x0);
      const y = y0 + random() * (y1 - y0);
      if (pointInGeometry(feature.geometry, x, y)) points.push([Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6]);
    }
    out.set(d.code, points);
  }
  return out;
}

/** Report bodies: a grid worker on patrol and a resident through the app, alternately. */
function intakeRequests(points: Map<string, [number, number][]>, tokens: { grid: string; citizen: string }, runId: string): (i: number) => HttpRequest {
  const random = seededRandom(`bench:bodies:${runId}`);
  return (i) => {
    const district = pick(DISTRICTS, random());
    const list = points.get(district.code)!;
    const [lon, lat] = list[Math.floor(random() * list.length)];
    const category = pick(CATEGORIES, random());
    const staff = i % 2 === 0;
    const street = `${['解放碑', '较场口', '七星岗', '上清寺', '大坪', '化龙桥', '石油路', '南坪', '观音桥', '沙坪坝'][Math.floor(random() * 10)]}`;
    const body = {
      ...(staff ? { channel: 'patrol' } : {}),
      appealType: staff ? 'report' : 'help',
      categoryCode: category.code,
      urgency: pick(URGENCY, random()).value,
      description: `${category.text}。${district.name}${street}附近，已持续${1 + Math.floor(random() * 7)}天，请尽快处理。`,
      address: `${district.name}${street}路${1 + Math.floor(random() * 300)}号附近`,
      location: { lon, lat },
      ...(staff ? {} : { reporter: { name: '张先生', phone: `138${String(Math.floor(random() * 1e8)).padStart(8, '0')}` } }),
    };
    return {
      method: 'POST',
      path: '/api/v1/cases',
      headers: { authorization: `Bearer ${staff ? tokens.grid : tokens.citizen}`, 'idempotency-key': `bench-${runId}-${i}` },
      body: JSON.stringify(body),
    };
  };
}

const HEALTH: HttpRequest = { method: 'GET', path: '/health' };

async function measureHttp(
  backend: Row['backend'], workload: string, server: ServerProcess, concurrency: number, expect: number, make: (i: number) => HttpRequest,
  observe?: { db: Db; url: string },
): Promise<Row> {
  const client = httpOp(server.port, concurrency, expect, make);
  const sampler = observe ? activitySampler(observe.url) : undefined;
  const before = observe ? await dbCounters(observe.db) : undefined;
  const casesBefore = observe ? await countCases(observe.db) : 0;
  const cpu = cpuMeter(server.pid);
  const load = await runLoad({ concurrency, warmupMs: WARMUP_MS, durationMs: DURATION_MS, op: client.op });
  const cpuShare = cpu.stop();
  client.close();
  const row: Row = { backend, workload, concurrency, load, cpu: cpuShare };
  if (observe && sampler) {
    row.activity = await sampler.stop();
    row.eventLog = await drainEventLog(observe.db, casesBefore);
    row.db = minus(await dbCounters(observe.db), before!);
    // The sampler's own queries are commits too.
    row.db.commits -= row.activity.samples;
  }
  progress(row);
  return row;
}

async function countCases(db: Db): Promise<number> {
  return (await db.query<{ n: number }>('select count(*)::int as n from case_record'))[0].n;
}

/**
 * Every intake publishes case.created, which the server logs in event_log in a transaction of
 * its own, one event after another. Waits until the log has caught up with the cases.
 */
async function drainEventLog(db: Db, casesBefore: number): Promise<{ casesInRun: number; backlogAtEnd: number; drainSeconds: number }> {
  const cases = await countCases(db);
  const logged = async () => (await db.query<{ n: number }>(`select count(*)::int as n from event_log where type = 'case.created'`))[0].n;
  const started = performance.now();
  const backlogAtEnd = cases - (await logged());
  while ((await logged()) < cases && performance.now() - started < 600_000) await sleep(250);
  return { casesInRun: cases - casesBefore, backlogAtEnd, drainSeconds: (performance.now() - started) / 1000 };
}

function progress(row: Row): void {
  const l = row.load;
  process.stderr.write(`  ${row.backend} ${row.workload} ×${row.concurrency}: ${fmt(l.opsPerSecond)}/s p50 ${fmt(l.p50Ms, 1)} p99 ${fmt(l.p99Ms, 1)} ms, ${l.errors} errors`
    + ` (server ${fmt(row.cpu.serverPct)}% · pg ${fmt(row.cpu.postgresPct)}% · bench ${fmt(row.cpu.benchPct)}% · other ${fmt(otherLoad(row.cpu))}% of a core)\n`);
  if (l.errorSamples.length) process.stderr.write(`    e.g. ${l.errorSamples[0]}\n`);
}

// ── the database alone ─────────────────────────────────────────────────────────────────

interface Template { c: Case; timers: Timer[] }

/** Cases the HTTP runs made, as templates for the raw-insert reference (same districts, same shape). */
async function templates(db: Db): Promise<Template[]> {
  const ids = await db.query<{ id: string }>('select id from case_record order by random() limit 200');
  const out: Template[] = [];
  for (const { id } of ids) {
    const c = (await store.getCase(db, id))!;
    out.push({ c, timers: await store.pendingTimers(db, id) });
  }
  return out;
}

const RAW_INSERT = 'one insert of the case row (autocommit)';

/** The reference: the same case row, one autocommit insert through src/'s store and pool. */
function rawInsertOp(db: Db, list: Template[], runId: string): (i: number) => Promise<string | null> {
  return async (i) => {
    const t = list[i % list.length];
    const now = new Date().toISOString();
    await store.insertCase(db, { ...t.c, id: newId('case'), number: `B${runId}${i}`, createdAt: now, updatedAt: now });
    return null;
  };
}

async function measureDirect(db: Db, url: string, workload: string, op: (i: number) => Promise<string | null>, concurrency: number, durationMs: number): Promise<Row> {
  const sampler = activitySampler(url);
  const cpu = cpuMeter(null);
  const load = await runLoad({ concurrency, warmupMs: WARMUP_MS, durationMs, op });
  const row: Row = { backend: 'PostgreSQL', workload, concurrency, load, cpu: cpu.stop(), activity: await sampler.stop() };
  progress(row);
  return row;
}

// ── the database floor: an intake's rows with no application at all ───────────────────

/**
 * The rows one report adds (case, idempotency key, first timeline entry, its SLA timers, a notice
 * to each account of its center, the audit entry, the event-log entry, the triage cell), made
 * inside PostgreSQL from cases the HTTP runs created — no client, no parameters, no searches, no
 * locks held across statements — 64 reports per statement, two connections. What PostgreSQL
 * spends per report here is the least any intake writing these rows can cost it.
 */
const FLOOR_BATCH = 64;

const FLOOR_SQL = `
with t as (select c.*, gen_random_uuid()::text as nid from bench_floor_template c),
 k as (insert into case_idempotency (owner, key, request_hash, case_id, created_at) select 'bench:floor', t.nid, md5(t.nid) || md5(t.nid), t.nid, now() from t),
 c as (insert into case_record select t.nid, 'F' || t.nid, version, status, suspended_from, channel, appeal_type, domain, category_code, urgency, title,
         description, address, lon, lat, grid_code, community_code, street_code, district_code, location_date, reporter_user_id, reporter_name,
         reporter_phone, photos, owner_unit_id, assignee_unit_id, recommended_unit_id, routing_rule_id, tasks, rework_count, reopen_count,
         extension_minutes, pending_extension, satisfaction, satisfaction_comment, master_id, sla, due_at, now(), now(), closed_at from t),
 e as (insert into case_event (case_id, seq, at, action, from_status, to_status, actor_user_id, actor_unit_id, note, data)
         select t.nid, 1, now(), 'report', null, 'reported', t.reporter_user_id, null, null,
                jsonb_build_object('channel', t.channel, 'recommendedUnitId', t.recommended_unit_id, 'ownerUnitId', t.owner_unit_id) from t),
 tm as (insert into case_timer (id, case_id, kind, due_at, payload)
         select gen_random_uuid()::text, t.nid, p.kind, p.due_at, p.payload from t join case_timer p on p.case_id = t.id and p.fired_at is null),
 n as (insert into notification (id, user_id, at, kind, title, body, subject_type, subject_id)
         select gen_random_uuid()::text, u.id, now(), 'case.created', '新案件 ' || t.number, t.title, 'case', t.nid
           from t join app_user u on u.unit_id = t.owner_unit_id and not u.disabled),
 a as (insert into audit_log (seq, chain, chain_seq, at, actor, action, entity_type, entity_id, before, after, request_id, prev_hash, hash)
         select nextval('audit_seq'), 1000, nextval('audit_seq'), now(), t.reporter_user_id, 'case.report', 'case', t.nid, null, to_jsonb(t) - 'nid',
                'bench-floor', encode(sha256(t.nid::bytea), 'hex'), encode(sha256(t.id::bytea), 'hex') from t),
 l as (insert into event_log (id, type, at, subject_type, subject_id, scope, payload, logged_at)
         select gen_random_uuid()::text, 'case.created', now(), 'case', t.nid,
                jsonb_build_object('divisionCodes', jsonb_build_array('500000', t.district_code, t.street_code, t.community_code),
                                   'unitIds', jsonb_build_array(t.owner_unit_id), 'userIds', '[]'::jsonb),
                jsonb_build_object('number', t.number, 'status', t.status, 'statusName', '上报', 'urgency', t.urgency, 'lon', t.lon, 'lat', t.lat,
                                   'title', t.title, 'dueAt', t.due_at),
                now() from t),
 g as (insert into triage_case_cell (case_id, cell, category_code, created_at) select t.nid, 'floor:' || t.grid_code, coalesce(t.category_code, '-'), now() from t)
select count(*)::int as n from t`;

async function databaseFloor(url: string, db: Db): Promise<{ reportsPerSecond: number; postgresMsPerReport: number; cpu: CpuShare; timersPerReport: number }> {
  // Reports the HTTP runs made (not the seeded demo cases further along, nor the raw inserts).
  await db.query(`create table bench_floor_template as select * from case_record
                   where status = 'reported' and created_at > now() - interval '1 hour' and number not like 'B%' order by random() limit ${FLOOR_BATCH}`);
  // The runs before left autovacuum work; done now, it does not count as the floor's.
  await db.query('checkpoint');
  await db.query('vacuum (analyze)');
  const connections = await Promise.all([openDb({ databaseUrl: url }), openDb({ databaseUrl: url })]);
  try {
    await connections[0].query(FLOOR_SQL);
    const [{ n: timers }] = await db.query<{ n: number }>(
      'select count(*)::int as n from bench_floor_template t join case_timer p on p.case_id = t.id and p.fired_at is null',
    );
    const cpu = cpuMeter(null);
    const started = performance.now();
    let reports = 0;
    await Promise.all(connections.map(async (c) => {
      while (performance.now() - started < SHORT_MS) reports += (await c.query<{ n: number }>(FLOOR_SQL))[0].n;
    }));
    const share = cpu.stop();
    const seconds = (performance.now() - started) / 1000;
    const reportsPerSecond = reports / seconds;
    return { reportsPerSecond, postgresMsPerReport: ((share.postgresPct ?? NaN) * 10) / reportsPerSecond, cpu: share, timersPerReport: timers / FLOOR_BATCH };
  } finally {
    await Promise.all(connections.map((c) => c.close()));
  }
}

// ── the profiled server ────────────────────────────────────────────────────────────────

interface ProfileStats {
  eventLoopUtilization: number;
  holds: Record<string, { count: number; ms: number }>;
  cpu: { busyMs: number; wallMs: number; areas: { name: string; ms: number }[]; functions: { name: string; ms: number }[] };
  transactions: Record<string, { count: number; ms: number }>;
  statements: Record<string, Record<string, { count: number; ms: number }>>;
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== message) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message);
  });
}

async function profileRun(url: string, points: Map<string, [number, number][]>): Promise<{ row: Row; stats: ProfileStats; intakes: number }> {
  const server = await startServer({ DATABASE_URL: url }, [process.execPath, join(import.meta.dirname, '_intake-profile-server.ts')]);
  try {
    const api = new Api(server.port);
    const tokens = { grid: await api.login('jiefangbei.grid', PASSWORD), citizen: await api.login('citizen', PASSWORD) };
    api.close();
    const concurrency = 64;
    // Warm up outside the counters, then measure (each with keys of its own).
    const warm = httpOp(server.port, concurrency, 201, intakeRequests(points, tokens, `profilewarm${Date.now()}`));
    await runLoad({ concurrency, warmupMs: 0, durationMs: WARMUP_MS, op: warm.op });
    warm.close();
    const client = httpOp(server.port, concurrency, 201, intakeRequests(points, tokens, `profile${Date.now()}`));
    await ask(server.child, 'reset');
    const cpu = cpuMeter(server.pid);
    const load = await runLoad({ concurrency, warmupMs: 0, durationMs: SHORT_MS, op: client.op });
    const cpuShare = cpu.stop();
    const stats = await ask<ProfileStats>(server.child, 'stats');
    client.close();
    const row: Row = { backend: 'PostgreSQL', workload: 'POST /api/v1/cases, statements timed', concurrency, load, cpu: cpuShare };
    progress(row);
    // Intakes are group-committed: count the reports, not the transactions.
    return { row, stats, intakes: load.ops };
  } finally {
    await server.stop();
  }
}

// ── main ───────────────────────────────────────────────────────────────────────────────

type Floor = Awaited<ReturnType<typeof databaseFloor>>;

async function postgresRows(): Promise<{
  rows: Row[]; direct: Row[]; floor: Floor; profile: Awaited<ReturnType<typeof profileRun>>; seedSeconds: number; points: Map<string, [number, number][]>; auditChains: number;
}> {
  const name = `chengyun_bench_${process.pid}`;
  const url = await freshDatabase(name);
  let server: ServerProcess | undefined;
  let db: Db | undefined;
  try {
    let t = performance.now();
    cli(['seed', '--demo'], { DATABASE_URL: url });
    const seedSeconds = (performance.now() - t) / 1000;
    process.stderr.write(`  PostgreSQL ${name} seeded in ${fmt(seedSeconds, 1)} s\n`);
    server = await startServer({ DATABASE_URL: url });
    db = await openDb({ databaseUrl: url });
    const api = new Api(server.port);
    const admin = await api.login('admin', PASSWORD);
    const points = await samplePoints(api, admin, 400);
    const tokens = { grid: await api.login('jiefangbei.grid', PASSWORD), citizen: await api.login('citizen', PASSWORD) };
    api.close();

    const rows: Row[] = [];
    for (const c of CONCURRENCY) rows.push(await measureHttp('PostgreSQL', 'GET /health', server, c, 200, () => HEALTH));
    for (const c of CONCURRENCY) {
      rows.push(await measureHttp('PostgreSQL', 'POST /api/v1/cases', server, c, 201, intakeRequests(points, tokens, `pg${c}`), { db, url }));
    }
    await server.stop();
    server = undefined;

    const profile = await profileRun(url, points);

    t = performance.now();
    const list = await templates(db);
    const direct: Row[] = [];
    for (const c of CONCURRENCY) direct.push(await measureDirect(db, url, RAW_INSERT, rawInsertOp(db, list, `raw${c}`), c, DURATION_MS));
    const [{ n: auditChains }] = await db.query<{ n: number }>('select count(*)::int as n from audit_head');
    const floor = await databaseFloor(url, db);
    process.stderr.write(`  PostgreSQL database floor: ${fmt(floor.reportsPerSecond)} reports/s, ${fmt(floor.postgresMsPerReport, 3)} ms of PostgreSQL CPU per report\n`);
    return { rows, direct, floor, profile, seedSeconds, points, auditChains };
  } finally {
    await server?.stop();
    await db?.close();
    await adminQuery(`drop database if exists ${name} with (force)`);
  }
}

async function embeddedRows(points: Map<string, [number, number][]>): Promise<{ rows: Row[]; seedSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'chengyun-bench-'));
  let server: ServerProcess | undefined;
  try {
    const t = performance.now();
    cli(['seed', '--demo'], { CHENGYUN_DATA_DIR: dir });
    const seedSeconds = (performance.now() - t) / 1000;
    process.stderr.write(`  embedded database seeded in ${fmt(seedSeconds, 1)} s\n`);
    server = await startServer({ CHENGYUN_DATA_DIR: dir });
    const api = new Api(server.port);
    const tokens = { grid: await api.login('jiefangbei.grid', PASSWORD), citizen: await api.login('citizen', PASSWORD) };
    api.close();
    const rows: Row[] = [];
    for (const c of CONCURRENCY) rows.push(await measureHttp('embedded', 'GET /health', server, c, 200, () => HEALTH));
    for (const c of CONCURRENCY) rows.push(await measureHttp('embedded', 'POST /api/v1/cases', server, c, 201, intakeRequests(points, tokens, `emb${c}`)));
    return { rows, seedSeconds };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU the machine spent outside the server, PostgreSQL and this process (other work on the host), % of a core. */
function otherLoad(c: CpuShare): number | null {
  if (c.machineBusyPct === null) return null;
  return Math.max(0, c.machineBusyPct * os.cpus().length - (c.serverPct ?? 0) - (c.postgresPct ?? 0) - c.benchPct);
}

function perIntakeBreakdown(stats: ProfileStats, intakes: number): { label: string; perIntake: number; msPerIntake: number; meanMs: number }[] {
  const out: { label: string; perIntake: number; msPerIntake: number; meanMs: number }[] = [];
  for (const [group, labels] of Object.entries(stats.statements)) {
    if (group !== 'intake' && group !== 'outside transactions (pool.query)') continue;
    for (const [label, b] of Object.entries(labels)) {
      out.push({ label: group === 'intake' ? label : `${label} (before the transaction)`, perIntake: b.count / intakes, msPerIntake: b.ms / intakes, meanMs: b.ms / b.count });
    }
  }
  return out.sort((a, b) => b.msPerIntake - a.msPerIntake);
}

async function main(): Promise<void> {
  const problem = await postgresProblem();
  if (problem) {
    console.log(`case-intake skipped: PostgreSQL is not reachable at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} (${problem}). Set CHENGYUN_BENCH_ADMIN_URL to a server the bench may create databases on.`);
    return;
  }
  const pgPart = await postgresRows();
  const emb = await embeddedRows(pgPart.points);

  const all = [...pgPart.rows, ...emb.rows];
  const health = (backend: string, c: number) => all.find((r) => r.backend === backend && r.workload === 'GET /health' && r.concurrency === c)!;
  const rawInsert = (c: number) => pgPart.direct.find((r) => r.workload === RAW_INSERT && r.concurrency === c)!;
  const intake = all.filter((r) => r.workload === 'POST /api/v1/cases');
  const best = intake.filter((r) => r.backend === 'PostgreSQL').sort((a, b) => b.load.opsPerSecond - a.load.opsPerSecond)[0];
  const met = best.load.opsPerSecond >= TARGET.casesPerSecond && best.load.p99Ms < TARGET.p99Ms && best.load.errors === 0;

  const line = (r: Row, ratios: string) =>
    `| ${r.backend} | ${r.workload} | ${r.concurrency} | ${fmt(r.load.opsPerSecond)} | ${fmt(r.load.p50Ms, 1)} | ${fmt(r.load.p95Ms, 1)} | ${fmt(r.load.p99Ms, 1)} | ${r.load.errors + r.load.warmupErrors} | ${fmt(r.cpu.serverPct)}% | ${fmt(r.cpu.postgresPct)}% | ${fmt(r.cpu.benchPct)}% | ${fmt(otherLoad(r.cpu))}% | ${ratios} |`;
  const intakeLines = intake.map((r) => {
    const h = health(r.backend, r.concurrency).load.opsPerSecond;
    const raw = r.backend === 'PostgreSQL' ? ` · ${fmt((r.load.opsPerSecond / rawInsert(r.concurrency).load.opsPerSecond) * 100, 1)}% of raw insert` : '';
    return line(r, `${fmt((r.load.opsPerSecond / h) * 100, 1)}% of /health${raw}`);
  });
  const pgIntake64 = intake.find((r) => r.backend === 'PostgreSQL' && r.concurrency === 64)!;
  // CPU per request, ms, from a run's CPU shares (percent of a core) and its rate.
  const msPer = (r: Row, pct: number | null) => ((pct ?? NaN) * 10) / r.load.opsPerSecond;
  const cores = os.cpus().length;
  const cost = { server: msPer(best, best.cpu.serverPct), postgres: msPer(best, best.cpu.postgresPct), bench: msPer(best, best.cpu.benchPct) };
  const costTotal = cost.server + cost.postgres + cost.bench;
  const budget = (cores * 1000) / TARGET.casesPerSecond;
  const health64 = health('PostgreSQL', 64);
  const healthCost = msPer(health64, health64.cpu.serverPct) + msPer(health64, health64.cpu.benchPct);
  const floor = pgPart.floor;
  const breakdown = perIntakeBreakdown(pgPart.profile.stats, pgPart.profile.intakes).filter((b) => b.perIntake >= 0.01);
  const holds = pgPart.profile.stats.holds;
  const serialHoldEntry = Object.entries(holds).find(([k]) => k.startsWith('case_serial'))?.[1];
  const serialHold = serialHoldEntry ? serialHoldEntry.ms / serialHoldEntry.count : undefined;
  const busiest = [...DISTRICTS].sort((a, b) => b.weight - a.weight)[0];
  const eventLogTx = pgPart.profile.stats.transactions['event log'];
  const intakeTx = pgPart.profile.stats.transactions.intake;
  const cpu = { ...pgPart.profile.stats.cpu, intakes: pgPart.profile.intakes };
  const activityOrder = ['lock wait: audit_head', 'lock wait: case_serial', 'lock wait: other', 'commit (WAL flush)', 'running SQL', 'idle in transaction (waiting for the app)', 'idle (free in the pool)'];

  const lines = [
    `Real \`chengyun serve\` process (LOG_LEVEL=warn) on a fresh database seeded with \`chengyun seed --demo\` (PostgreSQL ${fmt(pgPart.seedSeconds, 1)} s, embedded ${fmt(emb.seedSeconds, 1)} s); `
    + `closed loop over keep-alive HTTP from this process, ${WARMUP_MS / 1000} s warm-up then ${DURATION_MS / 1000} s measured; reports from a grid worker (patrol) and a resident (app) alternately, `
    + `points inside ${DISTRICTS.map((d) => `${d.name} ${d.weight * 100}%`).join(', ')}, each with its own Idempotency-Key. CPU is percent of one core (the machine has ${os.cpus().length}; "other processes" is what the rest of the host used meanwhile).`,
    '',
    '| backend | workload | in flight | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU | PostgreSQL CPU | bench CPU | other processes | ratio |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...intakeLines,
    ...all.filter((r) => r.workload === 'GET /health').map((r) => line(r, 'reference (HTTP floor)')),
    ...pgPart.direct.filter((r) => r.workload === RAW_INSERT).map((r) => line({ ...r, workload: `raw insert: ${r.workload}` }, 'reference (database floor), pg pool of 10 like the server')),
    ...(all.some((r) => r.workload === 'GET /health' && r.cpu.benchPct > 90)
      ? ['', 'On /health this bench process (one core) saturates before the server does, so the HTTP floor is at least the figure shown.']
      : []),
    '',
    `Target ≥ ${fmt(TARGET.casesPerSecond)} cases/s with p99 < ${TARGET.p99Ms} ms on PostgreSQL: **${met ? 'met' : 'not met'}** — best ${fmt(best.load.opsPerSecond)} cases/s at ${best.concurrency} in flight, p99 ${fmt(best.load.p99Ms, 1)} ms.`,
    '',
    `What this machine allows. CPU per report in that run: server ${fmt(cost.server, 3)} ms, PostgreSQL ${fmt(cost.postgres, 3)} ms, this load generator ${fmt(cost.bench, 3)} ms — `
    + `${fmt(costTotal, 3)} ms in all, so the ${cores} cores allow at most ${fmt((cores * 1000) / costTotal)} reports/s at that cost, and one server process (one JavaScript thread) `
    + `at most ${fmt(1000 / cost.server)}/s. ${fmt(TARGET.casesPerSecond)} reports/s leave ${fmt(budget, 2)} ms of CPU per report for everything. The database floor alone — `
    + `the same rows made inside PostgreSQL with no application, no parameters and no searches (the case, its key, first timeline entry, ${fmt(floor.timersPerReport, 1)} SLA timers, notices, audit entry, event-log entry and triage cell; ${FLOOR_BATCH} reports per statement, two connections) — `
    + `costs PostgreSQL ${fmt(floor.postgresMsPerReport, 3)} ms per report (${fmt(floor.reportsPerSecond)} reports/s), and the HTTP floor (GET /health, server and load generator) `
    + `${fmt(healthCost, 3)} ms per request: ${fmt(budget - floor.postgresMsPerReport - healthCost, 2)} ms would be left for all of the server's own work and the database's searches `
    + `(today ${fmt(costTotal - floor.postgresMsPerReport - healthCost, 2)} ms).`,
    '',
    `Where the time goes (PostgreSQL, 64 in flight). The server's 10 pooled connections, sampled in pg_stat_activity every 10 ms (${pgIntake64.activity!.samples} samples):`,
    '',
    '| connection state | share | connections on average |',
    '| --- | ---: | ---: |',
    ...activityOrder.filter((k) => pgIntake64.activity!.shares[k] !== undefined).map((k) => `| ${k} | ${fmt(pgIntake64.activity!.shares[k] * 100, 1)}% | ${fmt(pgIntake64.activity!.meanConnections[k], 2)} |`),
    '',
    `Per intake: ${fmt(pgIntake64.db!.commits / pgIntake64.eventLog!.casesInRun, 2)} commits, ${fmt(pgIntake64.db!.tuplesInserted / pgIntake64.eventLog!.casesInRun, 1)} rows inserted; `
    + `event_log (written after each intake by one serial writer) was ${fmt(pgIntake64.eventLog!.backlogAtEnd)} events behind at the end and caught up ${fmt(pgIntake64.eventLog!.drainSeconds, 1)} s later.`,
    '',
    `A copy of the server with every statement timed (bench/_intake-profile-server.ts), 64 in flight, ${SHORT_MS / 1000} s: ${fmt(pgPart.profile.row.load.opsPerSecond)} cases/s, `
    + `event loop ${fmt(pgPart.profile.stats.eventLoopUtilization * 100)}% busy; intake transaction ${fmt(intakeTx ? intakeTx.ms / intakeTx.count : NaN, 1)} ms from asking for a connection to commit`
    + `${eventLogTx ? `, event-log transaction ${fmt(eventLogTx.ms / eventLogTx.count, 1)} ms` : ''}.`,
    '',
    `Hot rows, held from the statement that locks them to the end of commit: ${Object.entries(holds).map(([k, h]) => {
      const perRow = 1000 / (h.ms / h.count);
      const chains = k.startsWith('audit_head') ? pgPart.auditChains : 1;
      return `${k} ${fmt(h.ms / h.count, 1)} ms (at most ${fmt(perRow)} transactions/s through one row${chains > 1 ? `; there are ${chains} chain heads, chosen by entity` : ''})`;
    }).join('; ')}. `
    + (serialHold ? `With ${fmt(busiest.weight * 100)}% of reports in ${busiest.name}, one district-day row alone allows ${fmt(1000 / serialHold / busiest.weight)} cases/s in all; this run made ${fmt(pgPart.profile.row.load.opsPerSecond)}.` : ''),
    '',
    'Per intake (times include waiting for a pooled connection and for the event loop):',
    '',
    '| step | per intake | ms per intake | mean ms |',
    '| --- | ---: | ---: | ---: |',
    ...breakdown.map((b) => `| ${b.label} | ${fmt(b.perIntake, 2)} | ${fmt(b.msPerIntake, 2)} | ${fmt(b.meanMs, 2)} |`),
    '',
    `The same run's server CPU, sampled by V8's profiler: ${fmt(cpu.busyMs / Math.max(1, cpu.intakes), 2)} ms of JavaScript/native time per intake `
    + `(${fmt((cpu.busyMs / cpu.wallMs) * 100)}% of one core). Largest shares:`,
    '',
    '| code | ms per intake | share |',
    '| --- | ---: | ---: |',
    ...cpu.areas.slice(0, 12).map((a) => `| ${a.name} | ${fmt(a.ms / Math.max(1, cpu.intakes), 3)} | ${fmt((a.ms / cpu.busyMs) * 100, 1)}% |`),
  ];
  console.log(lines.join('\n'));

  writeResult('case-intake', {
    figures: intake.flatMap((r) => [
      figure(`intakes/s, ${r.backend}, ${r.concurrency} in flight`, r.load.opsPerSecond, 'req/s', { name: 'GET /health (HTTP floor)', value: health(r.backend, r.concurrency).load.opsPerSecond }),
      ...(r.backend === 'PostgreSQL' ? [figure(`intakes/s vs raw insert, ${r.concurrency} in flight`, r.load.opsPerSecond, 'req/s', { name: 'raw insert of the case row (database floor)', value: rawInsert(r.concurrency).load.opsPerSecond })] : []),
      figure(`intake p99, ${r.backend}, ${r.concurrency} in flight`, r.load.p99Ms, 'ms', { name: 'target p99', value: TARGET.p99Ms }, 'lower'),
    ]).concat([
      figure('CPU per report (server + PostgreSQL + load generator)', costTotal, 'ms', { name: `CPU per report at ${fmt(TARGET.casesPerSecond)}/s on ${cores} cores`, value: budget }, 'lower'),
      figure('PostgreSQL CPU per report', cost.postgres, 'ms', { name: 'database floor (the same rows, no application)', value: floor.postgresMsPerReport }, 'lower'),
    ]),
    warmupSeconds: WARMUP_MS / 1000,
    durationSeconds: DURATION_MS / 1000,
    seedSeconds: { postgres: pgPart.seedSeconds, embedded: emb.seedSeconds },
    target: { ...TARGET, met, best: { concurrency: best.concurrency, casesPerSecond: best.load.opsPerSecond, p99Ms: best.load.p99Ms } },
    runs: all,
    direct: pgPart.direct,
    floor,
    cpuPerReport: { ...cost, total: costTotal, budget, healthFloor: healthCost },
    profile: { run: pgPart.profile.row, intakes: pgPart.profile.intakes, stats: pgPart.profile.stats, perIntake: breakdown },
  });
}

await main();
