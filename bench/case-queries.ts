/**
 * Case list queries over 5,000,000 cases: a street center's queue and a district's overdue list.
 *
 *   node_modules/.bin/node bench/case-queries.ts
 *
 * Seeds a fresh PostgreSQL database with `chengyun seed`, loads ten years of cases with one
 * set-based `insert … select … from generate_series` (secondary indexes dropped first and
 * rebuilt after, from their own definitions, as any bulk load would), vacuums and analyzes,
 * creates street and district operators with `chengyun user add`, and times
 *   (a) GET /api/v1/cases?status=…&owner=C-<street>  as that street's operator,
 *   (b) GET /api/v1/cases?overdue=true               as a district operator,
 * through the real server, against (c) the very SQL the server ran for each (captured from
 * src/cases/service.ts) run directly — the reference that separates HTTP and view-building
 * from the database. EXPLAIN (ANALYZE, BUFFERS) of both (slowest unit of each), a resident's own
 * list, and — while listCases still has a reach arm no index can serve — candidate fixes timed
 * the same way after adding the indexes they need.
 *
 * Environment: CHENGYUN_BENCH_ADMIN_URL, CHENGYUN_BENCH_CASES (default 5,000,000),
 * CHENGYUN_BENCH_RUNS (timed runs per query, default 240). Skips (exit 0) without PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { pino } from 'pino';
import { makeContext, type AppContext } from '../src/app.ts';
import { categoryByCode } from '../src/categories/catalogue.ts';
import { listCaseViews, type ListQuery } from '../src/cases/service.ts';
import { loadConfig } from '../src/config.ts';
import { CityModel } from '../src/divisions/city-model.ts';
import { principalForToken } from '../src/org/service.ts';
import { openDb, type Db } from '../src/storage/db.ts';
import { adminQuery, Api, freshDatabase, cli, CLI, figure, fmt, percentile, postgresProblem, send, startServer, writeResult, ADMIN_URL, type ServerProcess } from './_support.ts';

const CASES = Number(process.env.CHENGYUN_BENCH_CASES ?? 5_000_000);
const RUNS = Math.max(200, Number(process.env.CHENGYUN_BENCH_RUNS ?? 240));
const TARGET_P95_MS = 50;
const PASSWORD = 'BenchQueries2026';
const LIMIT = 50;

/** What waits for a street center: triage (reported … registered) and checking (handled, verified). */
const QUEUE_STATUSES = ['reported', 'verifying', 'registered', 'handled', 'verified'];

/** The main urban districts (主城都市区中心城区) get eight times a rural street's share of cases. */
const URBAN = ['500103', '500104', '500105', '500106', '500107', '500108', '500109', '500112', '500113', '500199'];
const URBAN_WEIGHT = 8;

/** Categories with their share, and the district department line that handles each. */
const CATEGORIES: readonly { code: string; weight: number; line: string }[] = [
  { code: 'E0102', weight: 0.2, line: 'cg' }, { code: 'E0201', weight: 0.12, line: 'cg' }, { code: 'E0104', weight: 0.1, line: 'cg' },
  { code: 'E0103', weight: 0.08, line: 'cg' }, { code: 'C0101', weight: 0.08, line: 'zj' }, { code: 'C0118', weight: 0.08, line: 'cg' },
  { code: 'E0501', weight: 0.1, line: 'sj' }, { code: 'E0301', weight: 0.08, line: 'zj' }, { code: 'E0401', weight: 0.02, line: 'yj' },
  { code: 'C0201', weight: 0.06, line: 'jt' }, { code: 'E0601', weight: 0.05, line: 'zj' }, { code: 'H0801', weight: 0.03, line: 'mz' },
];

/** District-level centers whose operators read the overdue list: urban, a management zone, outlying. */
const DISTRICT_CENTERS = ['500103', '500199', '500106', '500107', '500108', '500113', 'zone-gxq', '500101', '500102', '500229'];
const STREETS = 16;

// ── loading ────────────────────────────────────────────────────────────────────────────

/** Streets valid today: district-level center, weight, a point, and where their grids start in bench_grid. */
const STREET_TABLE = `
create temp table bench_street as
with cur as (
  select code, name, parent_code, geometry from division
   where level = 'street' and valid_from <= $1::date and (valid_to is null or valid_to > $1::date)
), grids as (
  select c.parent_code as street, count(*)::int as n
    from grid g join division c on c.code = g.community_code and c.level = 'community'
     and c.valid_from <= $1::date and (c.valid_to is null or c.valid_to > $1::date)
   group by 1
)
select row_number() over (order by cur.code)::int as idx, cur.code as street_code, cur.name, cur.parent_code as district_code,
       coalesce(z.code, cur.parent_code) as center_code,
       case when cur.parent_code = any($2::text[]) then $3::int else 1 end as weight,
       (sum(gr.n) over (order by cur.code) - gr.n)::int as grid_start, gr.n as grid_count,
       (select avg((p->>0)::float8) from jsonb_array_elements(case when cur.geometry->>'type' = 'Polygon' then cur.geometry->'coordinates'->0 else cur.geometry->'coordinates'->0->0 end) p) as lon,
       (select avg((p->>1)::float8) from jsonb_array_elements(case when cur.geometry->>'type' = 'Polygon' then cur.geometry->'coordinates'->0 else cur.geometry->'coordinates'->0->0 end) p) as lat
  from cur join grids gr on gr.street = cur.code
  left join management_zone z on cur.code = any(z.street_codes)`;

/** Every grid of those streets, numbered street by street from 0 (bench_street.grid_start). */
const GRID_TABLE = `
create temp table bench_grid as
select (row_number() over (order by c.parent_code, g.code) - 1)::int as gidx, g.code
  from grid g join division c on c.code = g.community_code and c.level = 'community'
   and c.valid_from <= $1::date and (c.valid_to is null or c.valid_to > $1::date)
 where c.parent_code in (select street_code from bench_street)`;

/**
 * One statement for all the cases. Row g is created at a time that grows with g (the heap is
 * in creation order, as a live table's is), denser toward the present; recent cases are
 * mostly open, old ones almost all closed; about a quarter of the open ones are overdue.
 * Each layer is fenced with \`offset 0\` so a random draw is made once per row, not once per use.
 * Parameters: $1 count, $2 now, $3 category codes, $4 names, $5 domains, $6 department lines,
 * $7 1,000 category slots (indexes into $3…$6, repeated by weight).
 */
const LOAD = `
insert into case_record (id, number, version, status, suspended_from, channel, appeal_type, domain, category_code, urgency, title, description,
  address, lon, lat, grid_code, community_code, street_code, district_code, location_date, reporter_user_id, reporter_name,
  reporter_phone, photos, owner_unit_id, assignee_unit_id, recommended_unit_id, routing_rule_id, tasks, rework_count,
  reopen_count, extension_minutes, pending_extension, satisfaction, satisfaction_comment, master_id, sla, due_at,
  created_at, updated_at, closed_at)
select 'case_b' || lpad(g::text, 9, '0'),
       to_char(created_at at time zone 'Asia/Shanghai', 'YYYYMMDD') || district_code || lpad(g::text, 7, '0'),
       case status when 'reported' then 1 when 'verifying' then 2 when 'registered' then 2 when 'dispatched' then 3 when 'handling' then 4
                   when 'handled' then 5 when 'verified' then 6 when 'suspended' then 5 else 7 end,
       status, case when status = 'suspended' then 'handling' end, channel, appeal_type, ($5::text[])[cat], ($3::text[])[cat], urgency,
       ($4::text[])[cat], name || '附近' || ($4::text[])[cat] || '，群众反映已有数日，请尽快处理。', name || '某路' || (g % 300 + 1) || '号',
       round((lon + (r_lon - 0.5) * 0.01)::numeric, 6)::float8, round((lat + (r_lat - 0.5) * 0.01)::numeric, 6)::float8,
       grid, left(grid, 12), street_code, district_code, (created_at at time zone 'Asia/Shanghai')::date,
       case when channel = 'app' then 'usr_bench_' || (g % 200000) end, '市民', '138' || lpad((g % 100000000)::text, 8, '0'), '{}'::text[],
       case when channel = 'patrol' or r_owner < 0.3 then 'C-' || street_code else 'C-' || center_code end,
       assignee, null, null,
       case when assignee is null then '[]'::jsonb
            else jsonb_build_array(jsonb_build_object('unitId', assignee, 'role', 'lead', 'status', case when status = 'dispatched' then 'pending' when status in ('handling', 'suspended') then 'signed' else 'done' end))
                 || case when r_assist < 0.1 then jsonb_build_array(jsonb_build_object('unitId', 'D-' || center_code || '-zj', 'role', 'assist', 'status', 'done')) else '[]'::jsonb end end,
       0, 0, 0, null,
       case when status = 'closed' and r_sat < 0.6 then (3 + floor(r_sat * 3.4))::smallint end, null, null,
       case when due_at is null then null else jsonb_build_object('policyId', 'sla-bench', 'basis', 'working',
            'stage', case when status in ('reported', 'verifying', 'registered') then 'dispatch' when status = 'dispatched' then 'sign' when status = 'handling' then 'handle' else 'verify' end,
            'startedAt', created_at, 'dueAt', due_at, 'warnAt', null, 'handleDueAt', due_at) end,
       due_at, created_at, coalesce(closed_at, least($2::timestamptz, created_at + interval '1 hour')), closed_at
  from (
    select d.*, s.street_code, s.district_code, s.center_code, s.name, s.lon, s.lat, gr.code as grid,
           case when status in ('dispatched', 'handling', 'handled', 'verified', 'suspended') or (status = 'closed' and r_asg < 0.85)
                then case when r_asg2 < 0.25 then 'C-' || s.street_code else 'D-' || s.center_code || '-' || ($6::text[])[cat] end end as assignee,
           case when status in ('closed', 'rejected', 'voided', 'merged', 'suspended') then null
                when r_due < 0.25 then created_at + ($2::timestamptz - created_at) * r_due2
                else $2::timestamptz + r_due2 * interval '10 days' end as due_at,
           case when status in ('closed', 'rejected', 'voided', 'merged') then least($2::timestamptz, created_at + r_due2 * interval '12 days') end as closed_at
      from (
        select b.*,
               case when open then case when r_status < 0.10 then 'reported' when r_status < 0.13 then 'verifying' when r_status < 0.20 then 'registered'
                                        when r_status < 0.35 then 'dispatched' when r_status < 0.75 then 'handling' when r_status < 0.85 then 'handled'
                                        when r_status < 0.90 then 'verified' else 'suspended' end
                    else case when r_status < 0.90 then 'closed' when r_status < 0.94 then 'rejected' when r_status < 0.98 then 'voided' else 'merged' end end as status,
               case when r_ch < 0.40 then 'patrol' when r_ch < 0.65 then 'app' when r_ch < 0.90 then 'hotline' when r_ch < 0.95 then 'sensor' else 'inspection' end as channel,
               case when r_ch < 0.40 then 'report' when r_ch < 0.75 then 'help' else 'complaint' end as appeal_type,
               case when r_urg < 0.90 then 'normal' when r_urg < 0.98 then 'urgent' else 'critical' end as urgency
          from (
            select a.*,
                   r_open < case when $2::timestamptz - created_at < interval '15 days' then 0.9 when $2::timestamptz - created_at < interval '60 days' then 0.6
                                 when $2::timestamptz - created_at < interval '365 days' then 0.03 else 0.002 end as open
              from (
                select g, $2::timestamptz - (1 - sqrt(g::float8 / $1)) * interval '3650 days' as created_at,
                       slots[1 + floor(random() * cardinality(slots))::int] as street_idx,
                       ($7::int[])[1 + floor(random() * 1000)::int] as cat,
                       random() as r_open, random() as r_status, random() as r_ch, random() as r_urg, random() as r_grid, random() as r_owner,
                       random() as r_asg, random() as r_asg2, random() as r_assist, random() as r_due, random() as r_due2, random() as r_sat,
                       random() as r_lon, random() as r_lat
                  from generate_series(1, $1::int) g,
                       (select array_agg(idx order by idx) as slots from bench_street, generate_series(1, weight)) w
                offset 0
              ) a
            offset 0
          ) b
        offset 0
      ) d
      join bench_street s on s.idx = d.street_idx
      join bench_grid gr on gr.gidx = s.grid_start + floor(d.r_grid * s.grid_count)::int
    offset 0
  ) e`;

interface LoadReport { rows: number; indexes: number; insertSeconds: number; indexSeconds: number; vacuumSeconds: number; totalSeconds: number; tableMb: number; indexMb: number; open: number; overdue: number }

async function load(db: Db, now: Date): Promise<LoadReport> {
  const started = performance.now();
  const cats = CATEGORIES.map((c) => ({ ...c, category: categoryByCode(c.code)! }));
  const total = CATEGORIES.reduce((s, x) => s + x.weight, 0);
  const slots: number[] = [];
  cats.forEach((c, i) => { for (let k = 0; k < Math.round((c.weight / total) * 1000); k++) slots.push(i + 1); });
  while (slots.length < 1000) slots.push(1);
  slots.length = 1000;
  const today = now.toISOString().slice(0, 10);
  // Temp tables live in one session: pin one connection for the whole load.
  return db.transaction(async (tx) => {
    await tx.query(STREET_TABLE, [today, URBAN, URBAN_WEIGHT]);
    await tx.query(GRID_TABLE, [today]);
    await tx.query('analyze bench_street');
    await tx.query('analyze bench_grid');
    // Hash joins against the two small tables keep generate_series' order, hence creation order in the heap.
    await tx.query('set local enable_mergejoin = off');
    await tx.query('set local enable_nestloop = off');
    const [{ n: streets }] = await tx.query<{ n: number }>('select count(*)::int as n from bench_street');
    process.stderr.write(`  ${streets} streets with grids\n`);
    // Secondary indexes go and come back from their own definitions; the primary key and
    // the unique case number stay (their keys arrive almost in order, so they stay cheap).
    const indexes = await tx.query<{ name: string; def: string }>(
      `select indexname as name, indexdef as def from pg_indexes i
        where tablename = 'case_record' and not exists (select 1 from pg_constraint c where c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
    );
    for (const i of indexes) await tx.query(`drop index ${i.name}`);
    let t = performance.now();
    await tx.query(LOAD, [CASES, now, cats.map((c) => c.code), cats.map((c) => c.category.name), cats.map((c) => c.category.domain), cats.map((c) => c.line), slots]);
    const insertSeconds = (performance.now() - t) / 1000;
    process.stderr.write(`  inserted ${fmt(CASES)} cases in ${fmt(insertSeconds, 1)} s\n`);
    t = performance.now();
    await tx.query(`set local maintenance_work_mem = '512MB'`);
    for (const i of indexes) await tx.query(i.def);
    const indexSeconds = (performance.now() - t) / 1000;
    process.stderr.write(`  ${indexes.length} indexes rebuilt in ${fmt(indexSeconds, 1)} s\n`);
    return { rows: CASES, indexes: indexes.length, insertSeconds, indexSeconds, vacuumSeconds: 0, totalSeconds: 0, tableMb: 0, indexMb: 0, open: 0, overdue: 0 };
  }).then(async (r) => {
    // Vacuum sets hint bits and the visibility map, as autovacuum would have long done on a live table.
    const t = performance.now();
    await db.exec('vacuum (analyze) case_record');
    r.vacuumSeconds = (performance.now() - t) / 1000;
    r.totalSeconds = (performance.now() - started) / 1000;
    const [size] = await db.query<{ table_mb: number; index_mb: number }>(
      `select pg_table_size('case_record') / 1048576.0 as table_mb, pg_indexes_size('case_record') / 1048576.0 as index_mb`,
    );
    r.tableMb = Number(size.table_mb);
    r.indexMb = Number(size.index_mb);
    const [counts] = await db.query<{ open: number; overdue: number }>(
      `select count(*) filter (where status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified', 'suspended'))::int as open,
              count(*) filter (where due_at < $1 and status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified'))::int as overdue
         from case_record`, [now],
    );
    r.open = counts.open;
    r.overdue = counts.overdue;
    return r;
  });
}

// ── measuring ──────────────────────────────────────────────────────────────────────────

interface Operator { username: string; unitId: string; token: string; sql: string; params: unknown[]; path: string }

/** Runs the service's list for this principal once, recording the case query it sends. */
async function captureSql(ctx: AppContext, captured: { sql: string; params: unknown[] }[], token: string, query: ListQuery): Promise<{ sql: string; params: unknown[]; userId: string }> {
  const principal = await principalForToken(ctx, token);
  if (!principal) throw new Error('token did not resolve');
  captured.length = 0;
  await listCaseViews(ctx, principal, query);
  const hit = captured.find((c) => c.sql.startsWith('select * from case_record where'));
  if (!hit) throw new Error('the list query was not captured');
  return { ...hit, userId: principal.user.id };
}

interface Timing { runs: number; p50Ms: number; p95Ms: number; p99Ms: number; meanMs: number; maxMs: number; meanRows: number }

function summarise(ms: number[], rows: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    runs: ms.length, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), p99Ms: percentile(sorted, 0.99),
    meanMs: ms.reduce((s, v) => s + v, 0) / ms.length, maxMs: sorted.at(-1)!, meanRows: rows.reduce((s, v) => s + v, 0) / rows.length,
  };
}

/** One pass over every operator unmeasured (caches warm), then RUNS timed runs, round-robin. */
async function timeRuns(operators: Operator[], run: (o: Operator) => Promise<number>): Promise<Timing> {
  for (const o of operators) await run(o);
  const ms: number[] = [];
  const rows: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const o = operators[i % operators.length];
    const t = performance.now();
    rows.push(await run(o));
    ms.push(performance.now() - t);
  }
  return summarise(ms, rows);
}

/** The query's parameters with the overdue cut-off moved to now, as the server would. */
const freshParams = (o: Operator) => o.params.map((p) => (p instanceof Date ? new Date() : p));

/** The lines of a plan worth reading in a report: nodes, conditions, rows removed, buffers, timing. */
function keyLines(plan: string[]): string[] {
  return plan.filter((l) => /->|^\S|Index Cond|Recheck Cond|Filter|Rows Removed|Buffers|Sort Method|Execution Time|Planning Time/.test(l))
    .map((l) => (l.length > 200 ? `${l.slice(0, 197)}…` : l));
}

const TASKS_ARM = /exists \(select 1 from jsonb_array_elements\(tasks\) t where t->>'unitId' = any\((\$\d+)::text\[\]\)\)/;

/**
 * Candidate fix 1: listCases' query with its one unindexable reach arm (the subquery over
 * the tasks array) written as containment, which a GIN index on tasks answers. Same rows.
 */
function indexableOr(o: Operator): { sql: string; params: unknown[] } | undefined {
  const m = TASKS_ARM.exec(o.sql);
  if (!m) return undefined;
  const units = o.params[Number(m[1].slice(1)) - 1] as string[];
  const params = freshParams(o);
  const arms = units.map((u) => {
    params.push(JSON.stringify([{ unitId: u }]));
    return `tasks @> $${params.length}::jsonb`;
  });
  return { sql: o.sql.replace(TASKS_ARM, `(${arms.join(' or ')})`), params };
}

/**
 * Candidate fix 2: one branch per way a center reaches a case, each served by its own index,
 * merged by id and then sorted; the same rows as listCases' single OR.
 */
function unionRewrite(o: Operator): { sql: string; params: unknown[] } | undefined {
  // listCases' parameter order for a center's overdue list: streets, unit ids, reporter, cut-off, limit.
  if (o.params.length !== 5 || !Array.isArray(o.params[0]) || !Array.isArray(o.params[1])) return undefined;
  const [streets, unitIds, reporter, , limit] = o.params as [string[], string[], string, Date, number];
  const open = `status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified') and due_at < $4`;
  const params: unknown[] = [streets, unitIds, reporter, new Date(), limit];
  const taskArms = unitIds.map((u) => {
    params.push(JSON.stringify([{ unitId: u }]));
    return `select id from case_record where tasks @> $${params.length}::jsonb and ${open}`;
  });
  const sql = `
    select * from case_record where id in (
      select id from case_record where street_code = any($1::text[]) and ${open}
      union all select id from case_record where owner_unit_id = any($2::text[]) and ${open}
      union all select id from case_record where assignee_unit_id = any($2::text[]) and ${open}
      union all select id from case_record where reporter_user_id = $3 and ${open}
      ${taskArms.map((a) => `union all ${a}`).join('\n      ')})
    order by created_at desc, id desc limit $5`;
  return { sql, params };
}

/** The indexes the candidate fixes need (a migration would add them), unless the schema has them already. */
const CANDIDATE_INDEXES: readonly { name: string; ddl: string; present: RegExp }[] = [
  { name: 'bench_case_tasks', ddl: 'create index bench_case_tasks on case_record using gin (tasks jsonb_path_ops)', present: /using gin \(tasks jsonb_path_ops\)/ },
  { name: 'bench_case_reporter', ddl: 'create index bench_case_reporter on case_record (reporter_user_id, created_at desc) where reporter_user_id is not null', present: /\(reporter_user_id\b/ },
];

async function planOf(db: Db, q: { sql: string; params: unknown[] }): Promise<{ plan: string[]; ms: number }> {
  const rows = await db.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, q.params);
  const plan = rows.map((r) => r['QUERY PLAN']);
  const ms = Number(/Execution Time: ([\d.]+)/.exec(plan.at(-1) ?? '')?.[1] ?? NaN);
  return { plan, ms };
}

/** The plan of whichever operator's query runs longest. */
async function slowestPlan(db: Db, operators: Operator[], shape: (o: Operator) => { sql: string; params: unknown[] } | undefined): Promise<{ unitId: string; plan: string[]; ms: number }> {
  let worst = { unitId: '', plan: [] as string[], ms: -1 };
  for (const o of operators) {
    const q = shape(o);
    if (!q) continue;
    const p = await planOf(db, q);
    if (p.ms > worst.ms) worst = { unitId: o.unitId, ...p };
  }
  return worst;
}

async function sameRows(db: Db, operators: Operator[], shape: (o: Operator) => { sql: string; params: unknown[] } | undefined): Promise<string[]> {
  const differ: string[] = [];
  for (const o of operators) {
    const q = shape(o);
    if (!q) continue;
    const a = (await db.query<{ id: string }>(o.sql, freshParams(o))).map((r) => r.id).join();
    const b = (await db.query<{ id: string }>(q.sql, q.params)).map((r) => r.id).join();
    if (a !== b) differ.push(o.unitId);
  }
  return differ;
}

// ── main ───────────────────────────────────────────────────────────────────────────────

async function createUsers(url: string, users: { unitId: string | null; username: string }[]): Promise<void> {
  // A few at a time: each is a process that hashes a password.
  for (let i = 0; i < users.length; i += 4) {
    await Promise.all(users.slice(i, i + 4).map(async (u) => {
      await new Promise<void>((resolve, reject) => {
        const role = u.unitId ? ['--name', '值班员', '--role', 'operator', '--unit', u.unitId] : ['--name', '市民', '--role', 'citizen'];
        const child = spawn(CLI, ['user', 'add', '--username', u.username, ...role, '--password', PASSWORD], {
          env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`user add ${u.username}: ${err}`))));
      });
    }));
  }
}

async function main(): Promise<void> {
  const problem = await postgresProblem();
  if (problem) {
    console.log(`case-queries skipped: PostgreSQL is not reachable at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} (${problem}). Set CHENGYUN_BENCH_ADMIN_URL to a server the bench may create databases on.`);
    return;
  }
  const name = `chengyun_bench_q_${process.pid}`;
  const url = await freshDatabase(name);
  let server: ServerProcess | undefined;
  let db: Db | undefined;
  try {
    let t = performance.now();
    cli(['seed'], { DATABASE_URL: url });
    const seedSeconds = (performance.now() - t) / 1000;
    process.stderr.write(`  ${name} seeded in ${fmt(seedSeconds, 1)} s; loading ${fmt(CASES)} cases…\n`);
    db = await openDb({ databaseUrl: url });
    const now = new Date();
    const loaded = await load(db, now);
    process.stderr.write(`  vacuum analyze ${fmt(loaded.vacuumSeconds, 1)} s; ${fmt(loaded.open)} open, ${fmt(loaded.overdue)} overdue\n`);

    // The streets with the longest queues, and as many others drawn at random.
    const busy = await db.query<{ street_code: string }>(
      `select street_code from case_record where status = any($1::text[]) and owner_unit_id = 'C-' || street_code
        group by 1 order by count(*) desc limit $2`, [QUEUE_STATUSES, STREETS / 2],
    );
    const others = await db.query<{ street_code: string }>(
      `select code as street_code from division where level = 'street' and valid_from <= $1::date and (valid_to is null or valid_to > $1::date)
          and not (code = any($2::text[])) order by md5(code) limit $3`,
      [now.toISOString().slice(0, 10), busy.map((b) => b.street_code), STREETS / 2],
    );
    const streetUnits = [...busy, ...others].map((s) => ({ unitId: `C-${s.street_code}`, username: `bq.street.${s.street_code}` }));
    const districtUnits = DISTRICT_CENTERS.map((c) => ({ unitId: `C-${c}`, username: `bq.district.${c}` }));
    t = performance.now();
    await createUsers(url, [...streetUnits, ...districtUnits, { unitId: null, username: 'bq.resident' }]);
    process.stderr.write(`  ${streetUnits.length + districtUnits.length} operators and a resident created in ${fmt((performance.now() - t) / 1000, 1)} s\n`);

    server = await startServer({ DATABASE_URL: url });
    const api = new Api(server.port);
    const captured: { sql: string; params: unknown[] }[] = [];
    const capturing: Db = { ...db, kind: db.kind, query: async (sql, params) => { captured.push({ sql, params: [...(params ?? [])] }); return db!.query(sql, params); } } as Db;
    const ctx = makeContext({ config: { ...loadConfig({}), databaseUrl: url }, db: capturing, city: await CityModel.load(db), log: pino({ level: 'silent' }) });

    const residentToken = await api.login('bq.resident', PASSWORD);
    const queue: Operator[] = [];
    for (const u of streetUnits) {
      const token = await api.login(u.username, PASSWORD);
      const q: ListQuery = { status: QUEUE_STATUSES as ListQuery['status'], ownerUnitId: u.unitId, limit: LIMIT };
      const { sql, params } = await captureSql(ctx, captured, token, q);
      queue.push({ ...u, token, sql, params, path: `/api/v1/cases?${QUEUE_STATUSES.map((s) => `status=${s}`).join('&')}&owner=${u.unitId}&limit=${LIMIT}` });
    }
    const overdue: Operator[] = [];
    for (const u of districtUnits) {
      const token = await api.login(u.username, PASSWORD);
      const { sql, params } = await captureSql(ctx, captured, token, { overdue: true, limit: LIMIT });
      overdue.push({ ...u, token, sql, params, path: `/api/v1/cases?overdue=true&limit=${LIMIT}` });
    }

    const viaHttp = (o: Operator) => async () => {
      const res = await send(api.agent, api.port, { method: 'GET', path: o.path, headers: { authorization: `Bearer ${o.token}` } });
      if (res.status !== 200) throw new Error(`GET ${o.path}: ${res.status} ${res.body.slice(0, 300)}`);
      return (JSON.parse(res.body) as { items: unknown[] }).items.length;
    };
    const viaSql = (o: Operator) => async () => (await db!.query(o.sql, freshParams(o))).length;

    const results = {
      queueHttp: await timeRuns(queue, (o) => viaHttp(o)()),
      queueSql: await timeRuns(queue, (o) => viaSql(o)()),
      overdueHttp: await timeRuns(overdue, (o) => viaHttp(o)()),
      overdueSql: await timeRuns(overdue, (o) => viaSql(o)()),
    };
    for (const [k, v] of Object.entries(results)) process.stderr.write(`  ${k}: p50 ${fmt(v.p50Ms, 1)} p95 ${fmt(v.p95Ms, 1)} p99 ${fmt(v.p99Ms, 1)} ms, ${fmt(v.meanRows, 1)} rows\n`);

    const original = (o: Operator) => ({ sql: o.sql, params: freshParams(o) });
    const plans = { queue: await slowestPlan(db, queue, original), overdue: await slowestPlan(db, overdue, original) };

    // A resident's own reports (the reporter arm of the reach), for a resident with a few of them.
    const residentCapture = await captureSql(ctx, captured, residentToken, { limit: LIMIT });
    const residentQuery = { sql: residentCapture.sql, params: residentCapture.params.map((p) => (p === residentCapture.userId ? 'usr_bench_4242' : p)) };
    const resident = { before: await planOf(db, residentQuery), after: undefined as { plan: string[]; ms: number } | undefined };

    // The candidate fixes, only while listCases still has the arm no index can serve.
    const unindexable = overdue.some((o) => TASKS_ARM.test(o.sql));
    const existing = (await db.query<{ def: string }>(`select indexdef as def from pg_indexes where tablename = 'case_record'`)).map((r) => r.def);
    const added = unindexable ? CANDIDATE_INDEXES.filter((i) => !existing.some((d) => i.present.test(d))) : [];
    t = performance.now();
    for (const i of added) await db.query(i.ddl);
    if (added.length) await db.query('analyze case_record');
    const candidateIndexSeconds = (performance.now() - t) / 1000;
    const [candidateSize] = await db.query<{ mb: number | null }>(
      `select sum(pg_relation_size(c.oid)) / 1048576.0 as mb from pg_class c where relname = any($1::text[])`, [added.map((i) => i.name)],
    );
    const candidateMb = Number(candidateSize.mb ?? 0);
    if (added.length) process.stderr.write(`  candidate indexes built in ${fmt(candidateIndexSeconds, 1)} s (${fmt(candidateMb)} MB)\n`);
    const candidates: { name: string; shape: (o: Operator) => { sql: string; params: unknown[] } | undefined; timing?: Timing; plan?: { unitId: string; plan: string[]; ms: number }; differ?: string[] }[] = unindexable ? [
      { name: 'same OR, tasks arm as `tasks @> …` (GIN) + reporter index', shape: indexableOr },
      { name: 'UNION ALL of one indexed branch per reach arm', shape: unionRewrite },
    ] : [];
    for (const c of candidates) {
      if (!overdue.every((o) => c.shape(o))) continue;
      c.differ = await sameRows(db, overdue, c.shape);
      c.timing = await timeRuns(overdue, async (o) => (await db!.query(c.shape(o)!.sql, c.shape(o)!.params)).length);
      c.plan = await slowestPlan(db, overdue, c.shape);
      process.stderr.write(`  ${c.name}: p50 ${fmt(c.timing.p50Ms, 1)} p95 ${fmt(c.timing.p95Ms, 1)} ms\n`);
    }
    if (added.length) resident.after = await planOf(db, residentQuery);
    api.close();

    const best = candidates.filter((c) => c.timing).sort((a, b) => a.timing!.p95Ms - b.timing!.p95Ms)[0];
    const verdict = (t: Timing) => (t.p95Ms < TARGET_P95_MS ? 'met' : '**missed**');
    const row = (what: string, path: string, http: Timing, sql: Timing) => [
      `| ${what} | HTTP ${path} | ${fmt(http.p50Ms, 1)} | ${fmt(http.p95Ms, 1)} | ${fmt(http.p99Ms, 1)} | ${fmt(http.meanRows, 1)} | ${verdict(http)} | ${fmt(http.p95Ms / sql.p95Ms, 2)}× SQL |`,
      `| ${what} | SQL directly (reference) | ${fmt(sql.p50Ms, 1)} | ${fmt(sql.p95Ms, 1)} | ${fmt(sql.p99Ms, 1)} | ${fmt(sql.meanRows, 1)} | ${verdict(sql)} | 1.00× |`,
    ];
    const lines = [
      `${fmt(loaded.rows)} cases over 10 years in ${fmt(loaded.totalSeconds, 1)} s (insert … select ${fmt(loaded.insertSeconds, 1)} s, ${loaded.indexes} secondary indexes rebuilt ${fmt(loaded.indexSeconds, 1)} s, vacuum analyze ${fmt(loaded.vacuumSeconds, 1)} s; `
      + `table ${fmt(loaded.tableMb / 1024, 2)} GB + indexes ${fmt(loaded.indexMb / 1024, 2)} GB); ${fmt(loaded.open)} open (${fmt((loaded.open / loaded.rows) * 100, 1)}%), ${fmt(loaded.overdue)} overdue. `
      + `Seeding the city model took ${fmt(seedSeconds, 1)} s.`,
      `${RUNS} sequential runs per row after one warm pass, round-robin over ${queue.length} street operators (the ${STREETS / 2} longest queues and ${STREETS / 2} others) and ${overdue.length} district-level operators; limit ${LIMIT}. Target p95 < ${TARGET_P95_MS} ms.`,
      '',
      '| query | via | p50 ms | p95 ms | p99 ms | rows | target | p95 ratio |',
      '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |',
      ...row('street queue', '?status=…&owner=C-<street>', results.queueHttp, results.queueSql),
      ...row('district overdue', '?overdue=true', results.overdueHttp, results.overdueSql),
      ...candidates.filter((c) => c.timing).map((c) => `| district overdue | candidate: ${c.name} | ${fmt(c.timing!.p50Ms, 1)} | ${fmt(c.timing!.p95Ms, 1)} | ${fmt(c.timing!.p99Ms, 1)} | ${fmt(c.timing!.meanRows, 1)} | ${verdict(c.timing!)} | ${fmt(c.timing!.p95Ms / results.overdueSql.p95Ms, 2)}× SQL |`),
      ...candidates.filter((c) => c.differ?.length).map((c) => `\nCandidate "${c.name}" returned different rows for ${c.differ!.join(', ')}.`),
      '',
      unindexable
        ? `Candidates run after adding ${added.length ? added.map((i) => `\`${i.ddl.replace('create index ', '')}\``).join(' and ') : 'nothing (the schema already has their indexes)'}`
          + `${added.length ? ` (built in ${fmt(candidateIndexSeconds, 1)} s, ${fmt(candidateMb)} MB)` : ''}.`
        : 'Every reach arm of listCases can use an index in this version of src/, so no candidate fix was run.',
      `A resident's own list (reach = reporter only) took ${fmt(resident.before.ms, 1)} ms in the database${resident.after ? ` before the candidate indexes and ${fmt(resident.after.ms, 2)} ms after` : ''}.`,
      '',
      `Street queue, slowest unit (${plans.queue.unitId}, ${fmt(plans.queue.ms, 1)} ms), key plan lines:`,
      '',
      '```',
      ...keyLines(plans.queue.plan),
      '```',
      '',
      `District overdue, slowest unit (${plans.overdue.unitId}, ${fmt(plans.overdue.ms, 1)} ms), key plan lines:`,
      '',
      '```',
      ...keyLines(plans.overdue.plan),
      '```',
      ...candidates.filter((c) => c.plan && c === best).flatMap((c) => ['', `Best candidate ("${c.name}"), slowest unit (${c.plan!.unitId}, ${fmt(c.plan!.ms, 1)} ms; the other candidate's plan is in the JSON):`, '', '```', ...keyLines(c.plan!.plan), '```']),
      '',
      `A resident's own list${resident.after ? ' before the candidate indexes' : ''} (${fmt(resident.before.ms, 1)} ms):`,
      '',
      '```',
      ...keyLines(resident.before.plan),
      '```',
    ];
    console.log(lines.join('\n'));

    writeResult('case-queries', {
      figures: [
        figure('street queue p95 via HTTP', results.queueHttp.p95Ms, 'ms', { name: 'the same SQL run directly', value: results.queueSql.p95Ms }, 'lower'),
        figure('district overdue p95 via HTTP', results.overdueHttp.p95Ms, 'ms', { name: 'the same SQL run directly', value: results.overdueSql.p95Ms }, 'lower'),
        figure('district overdue p95 via HTTP vs target', results.overdueHttp.p95Ms, 'ms', { name: 'target p95', value: TARGET_P95_MS }, 'lower'),
      ],
      cases: loaded.rows, runs: RUNS, limit: LIMIT, targetP95Ms: TARGET_P95_MS, seedSeconds, load: loaded,
      queueStatuses: QUEUE_STATUSES,
      operators: { streets: queue.map((o) => o.unitId), districts: overdue.map((o) => o.unitId) },
      results,
      candidates: candidates.map((c) => ({ name: c.name, timing: c.timing, differ: c.differ, plan: c.plan, sql: c.shape(overdue[0])?.sql })),
      candidateIndexes: { added: added.map((i) => i.ddl), seconds: candidateIndexSeconds, mb: candidateMb },
      resident: { sql: residentQuery.sql, before: resident.before, after: resident.after },
      sql: { queue: queue[0].sql, overdue: overdue[0].sql },
      plans,
    });
  } finally {
    await server?.stop();
    await db?.close();
    await adminQuery(`drop database if exists ${name} with (force)`);
  }
}

await main();
