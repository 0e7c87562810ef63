/** SQL for cases, timelines, timers, supervision, serials, idempotency keys and photos. */
import { prepared, type Queryable } from '../storage/db.ts';
import type { AppealType, Channel, Urgency } from './model.ts';
import type { CaseState, CaseStatus, CaseTask, PendingExtension } from './workflow.ts';

/** The SLA clock of the current stage, as stored with the case. */
export interface StoredSla {
  policyId: string;
  basis: 'working' | 'clock';
  stage: 'dispatch' | 'sign' | 'handle' | 'verify' | null;
  startedAt: string | null;
  dueAt: string | null;
  warnAt: string | null;
  /** Deadlines of the whole case as planned now (for display and Open311 expected_datetime). */
  handleDueAt: string | null;
}

export interface Case extends CaseState {
  id: string;
  number: string;
  version: number;
  channel: Channel;
  appealType: AppealType;
  domain: string | null;
  categoryCode: string | null;
  urgency: Urgency;
  title: string;
  description: string;
  address: string | null;
  lon: number;
  lat: number;
  gridCode: string;
  communityCode: string;
  streetCode: string;
  districtCode: string;
  locationDate: string;
  reporterUserId: string | null;
  reporterName: string | null;
  reporterPhone: string | null;
  photos: string[];
  recommendedUnitId: string | null;
  routingRuleId: string | null;
  satisfactionComment: string | null;
  sla: StoredSla | null;
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface CaseRow {
  id: string; number: string; version: number; status: CaseStatus; suspended_from: CaseStatus | null; channel: Channel;
  appeal_type: AppealType; domain: string | null; category_code: string | null; urgency: Urgency; title: string; description: string;
  address: string | null; lon: number; lat: number; grid_code: string; community_code: string; street_code: string; district_code: string;
  location_date: string; reporter_user_id: string | null; reporter_name: string | null; reporter_phone: string | null; photos: string[];
  owner_unit_id: string; assignee_unit_id: string | null; recommended_unit_id: string | null; routing_rule_id: string | null;
  tasks: CaseTask[]; rework_count: number; reopen_count: number; extension_minutes: number; pending_extension: PendingExtension | null;
  satisfaction: number | null; satisfaction_comment: string | null; master_id: string | null; sla: StoredSla | null;
  due_at: Date | null; created_at: Date; updated_at: Date; closed_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toCase(r: CaseRow): Case {
  return {
    id: r.id, number: r.number, version: r.version, status: r.status, suspendedFrom: r.suspended_from, channel: r.channel,
    appealType: r.appeal_type, domain: r.domain, categoryCode: r.category_code, urgency: r.urgency, title: r.title, description: r.description,
    address: r.address, lon: r.lon, lat: r.lat, gridCode: r.grid_code, communityCode: r.community_code, streetCode: r.street_code,
    districtCode: r.district_code, locationDate: r.location_date, reporterUserId: r.reporter_user_id, reporterName: r.reporter_name,
    reporterPhone: r.reporter_phone, photos: r.photos, ownerUnitId: r.owner_unit_id, assigneeUnitId: r.assignee_unit_id,
    recommendedUnitId: r.recommended_unit_id, routingRuleId: r.routing_rule_id, tasks: r.tasks, reworkCount: r.rework_count,
    reopenCount: r.reopen_count, extensionMinutes: r.extension_minutes, pendingExtension: r.pending_extension, satisfaction: r.satisfaction,
    satisfactionComment: r.satisfaction_comment, masterId: r.master_id, sla: r.sla, dueAt: iso(r.due_at), createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(), closedAt: iso(r.closed_at),
  };
}

/** The columns of case_record with their types, in table order; a Case's fields are their camelCase names. */
const COLUMN_TYPES = [
  ['id', 'text'], ['number', 'text'], ['version', 'int'], ['status', 'text'], ['suspended_from', 'text'], ['channel', 'text'],
  ['appeal_type', 'text'], ['domain', 'text'], ['category_code', 'text'], ['urgency', 'text'], ['title', 'text'], ['description', 'text'],
  ['address', 'text'], ['lon', 'float8'], ['lat', 'float8'], ['grid_code', 'text'], ['community_code', 'text'], ['street_code', 'text'],
  ['district_code', 'text'], ['location_date', 'date'], ['reporter_user_id', 'text'], ['reporter_name', 'text'], ['reporter_phone', 'text'],
  ['photos', 'text[]'], ['owner_unit_id', 'text'], ['assignee_unit_id', 'text'], ['recommended_unit_id', 'text'], ['routing_rule_id', 'text'],
  ['tasks', 'jsonb'], ['rework_count', 'int'], ['reopen_count', 'int'], ['extension_minutes', 'int'], ['pending_extension', 'jsonb'],
  ['satisfaction', 'smallint'], ['satisfaction_comment', 'text'], ['master_id', 'text'], ['sla', 'jsonb'], ['due_at', 'timestamptz'],
  ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'], ['closed_at', 'timestamptz'],
] as const;

const COLUMNS = COLUMN_TYPES.map(([column]) => column);
const camel = (column: string) => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The case rows of a jsonb array of Case objects as they are (a Case's fields are the columns' camelCase names). */
const CASE_RECORDSET = `jsonb_to_recordset($1::jsonb) as x(${COLUMN_TYPES.map(([c, type]) => `"${camel(c)}" ${type}`).join(', ')})`;
const CASE_VALUES = COLUMNS.map((c) => `x."${camel(c)}"`).join(', ');

/**
 * New cases from one JSON parameter: one statement of fixed text for any number of rows, so it
 * is prepared once per connection, and no row is turned into dozens of separately encoded
 * parameters.
 */
const INSERT_CASES = prepared(`insert into case_record (${COLUMNS.join(', ')}) select ${CASE_VALUES} from ${CASE_RECORDSET}`);

/**
 * A batch of reports in one statement: the idempotency keys are claimed first, and only the
 * cases whose key this statement claimed (or that came without one) are written, with their
 * first timeline entry (seq 1) and their SLA timers. Answers the ids of the cases written.
 */
const INSERT_NEW_CASES = prepared(
  `with claimed as (
     insert into case_idempotency (owner, key, request_hash, case_id, created_at)
     select * from jsonb_to_recordset($2::jsonb) as k(owner text, key text, "requestHash" text, "caseId" text, at timestamptz)
     on conflict do nothing returning case_id),
   fresh as (
     select ${CASE_VALUES} from ${CASE_RECORDSET}
      where x.id in (select case_id from claimed) or not x.id in (select k."caseId" from jsonb_to_recordset($2::jsonb) as k("caseId" text))),
   cases as (insert into case_record (${COLUMNS.join(', ')}) select * from fresh),
   first_events as (
     insert into case_event (case_id, seq, at, action, from_status, to_status, actor_user_id, actor_unit_id, note, data)
     select e."caseId", 1, e.at, e.action, e."fromStatus", e."toStatus", e."actorUserId", e."actorUnitId", e.note, e.data
       from jsonb_to_recordset($3::jsonb)
         as e("caseId" text, at timestamptz, action text, "fromStatus" text, "toStatus" text, "actorUserId" text, "actorUnitId" text, note text, data jsonb)
      where e."caseId" in (select id from fresh)),
   timers as (
     insert into case_timer (id, case_id, kind, due_at, payload)
     select t.id, t."caseId", t.kind, t."dueAt", t.payload
       from jsonb_to_recordset($4::jsonb) as t(id text, "caseId" text, kind text, "dueAt" timestamptz, payload jsonb)
      where t."caseId" in (select id from fresh))
   select id from fresh`,
);

/** One report of a group-committed intake: the case, its key if it came with one, its first timeline entry and timers. */
export interface NewCase {
  c: Case;
  idempotency: { owner: string; key: string; requestHash: string; at: Date } | null;
  firstEvent: Omit<TimelineEntry, 'seq'>;
  timers: readonly Timer[];
}

/**
 * Writes a batch of reports in one statement (see INSERT_NEW_CASES); answers the ids of the
 * cases written. A case whose key was taken before (or earlier in the batch) is not written:
 * it is a retry.
 */
export async function insertNewCases(tx: Queryable, batch: readonly NewCase[]): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  const rows = await tx.query<{ id: string }>(INSERT_NEW_CASES, [
    JSON.stringify(batch.map((n) => n.c)),
    JSON.stringify(batch.flatMap(({ c, idempotency: k }) => (k ? [{ owner: k.owner, key: k.key, requestHash: k.requestHash, caseId: c.id, at: k.at }] : []))),
    JSON.stringify(batch.map(({ c, firstEvent }) => ({ caseId: c.id, ...firstEvent }))),
    JSON.stringify(batch.flatMap((n) => n.timers)),
  ]);
  return new Set(rows.map((r) => r.id));
}

function values(c: Case): unknown[] {
  return [
    c.id, c.number, c.version, c.status, c.suspendedFrom, c.channel, c.appealType, c.domain, c.categoryCode, c.urgency, c.title, c.description,
    c.address, c.lon, c.lat, c.gridCode, c.communityCode, c.streetCode, c.districtCode, c.locationDate, c.reporterUserId, c.reporterName,
    c.reporterPhone, c.photos, c.ownerUnitId, c.assigneeUnitId, c.recommendedUnitId, c.routingRuleId, JSON.stringify(c.tasks), c.reworkCount,
    c.reopenCount, c.extensionMinutes, c.pendingExtension ? JSON.stringify(c.pendingExtension) : null, c.satisfaction, c.satisfactionComment,
    c.masterId, c.sla ? JSON.stringify(c.sla) : null, c.dueAt, c.createdAt, c.updatedAt, c.closedAt,
  ];
}

export async function insertCase(tx: Queryable, c: Case): Promise<void> {
  await insertCases(tx, [c]);
}

/** Several new cases in one statement (group-committed intake). */
export async function insertCases(tx: Queryable, cases: readonly Case[]): Promise<void> {
  if (cases.length === 0) return;
  await tx.query(INSERT_CASES, [JSON.stringify(cases)]);
}

/** Writes the case if nobody changed it since `expectedVersion`; false when someone did. */
export async function updateCase(tx: Queryable, c: Case, expectedVersion: number): Promise<boolean> {
  const sets = COLUMNS.slice(1).map((col, i) => `${col} = $${i + 2}`).join(', ');
  const rows = await tx.query(
    `update case_record set ${sets} where id = $1 and version = $${COLUMNS.length + 1} returning 1`,
    [...values(c), expectedVersion],
  );
  return rows.length === 1;
}

export async function getCase(db: Queryable, id: string): Promise<Case | undefined> {
  const [row] = await db.query<CaseRow>('select * from case_record where id = $1', [id]);
  return row && toCase(row);
}

export async function getCaseByNumber(db: Queryable, number: string): Promise<Case | undefined> {
  const [row] = await db.query<CaseRow>('select * from case_record where number = $1', [number]);
  return row && toCase(row);
}

export async function casesMergedInto(db: Queryable, masterId: string): Promise<Case[]> {
  return (await db.query<CaseRow>(`select * from case_record where master_id = $1 and status = 'merged'`, [masterId])).map(toCase);
}

const RESERVE_SERIALS = prepared(
  `insert into case_serial (day, district_code, last)
   select day, district_code, n from unnest($1::date[], $2::text[], $3::int[]) with ordinality as r(day, district_code, n, ord)
    order by ord
   on conflict (day, district_code) do update set last = case_serial.last + excluded.last
   returning day, district_code, last`,
);

/**
 * Reserves `count` serials per (day, district) in one statement; answers the last serial of each
 * reservation, keyed `day|district` (the reservation is last - count + 1 … last).
 */
export async function reserveSerials(tx: Queryable, requests: readonly { day: string; districtCode: string; count: number }[]): Promise<Map<string, number>> {
  // Rows are taken in one order (day, district), so two batches never wait on each other in a cycle.
  const sorted = [...requests].sort((a, b) => a.day.localeCompare(b.day) || a.districtCode.localeCompare(b.districtCode));
  const rows = await tx.query<{ day: string; district_code: string; last: number }>(
    RESERVE_SERIALS, [sorted.map((r) => r.day), sorted.map((r) => r.districtCode), sorted.map((r) => r.count)],
  );
  return new Map(rows.map((r) => [`${r.day}|${r.district_code}`, r.last]));
}

export interface CaseFilter {
  /** Streets the caller covers; null = the whole city. */
  streets: string[] | null;
  /** Centers whose owned cases the caller also sees (a case transferred to them from elsewhere). */
  ownerUnitIds: string[];
  /** Units whose led or assisted cases the caller sees (departments). */
  handlingUnitIds: string[];
  /** Reporter whose own cases the caller sees. */
  reporterUserId: string | null;
  status?: CaseStatus[];
  categoryPrefix?: string;
  ownerUnitId?: string;
  assigneeUnitId?: string;
  channel?: Channel;
  urgency?: Urgency;
  overdueAt?: Date;
  from?: Date;
  to?: Date;
  bbox?: [number, number, number, number];
  text?: string;
  /** Keyset cursor: created_at and id of the last row seen. */
  before?: { createdAt: string; id: string };
  limit: number;
}

/** Statuses whose deadline runs (not suspended, not finished): where "overdue" applies. */
const TIMED_SQL = "status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified')";

export type Reach = Pick<CaseFilter, 'streets' | 'ownerUnitIds' | 'handlingUnitIds' | 'reporterUserId'>;
type Param = (v: unknown) => string;

/** The cases a caller may see, as one SQL condition (see access.ts reachOf). */
function reachSql(f: Reach, p: Param): string {
  const reach: string[] = [];
  if (f.streets === null) reach.push('true');
  else if (f.streets.length) reach.push(`street_code = any(${p(f.streets)}::text[])`);
  if (f.ownerUnitIds.length) reach.push(`owner_unit_id = any(${p(f.ownerUnitIds)}::text[])`);
  // Each branch matches an index, so the planner can OR bitmap scans instead of reading the table.
  for (const unitId of f.handlingUnitIds) {
    reach.push(`assignee_unit_id = ${p(unitId)}`, `tasks @> ${p(JSON.stringify([{ unitId }]))}::jsonb`);
  }
  if (f.reporterUserId) reach.push(`reporter_user_id = ${p(f.reporterUserId)}`);
  return reach.length ? `(${reach.join(' or ')})` : 'false';
}

function placeholders(): { params: unknown[]; p: Param } {
  const params: unknown[] = [];
  return { params, p: (v) => { params.push(v); return `$${params.length}`; } };
}

/** Division columns by level: the area filter and the breakdown one level down. */
const AREA_COLUMN = { district: 'district_code', street: 'street_code', community: 'community_code' } as const;
export type AreaLevel = keyof typeof AREA_COLUMN;

export interface MapPointRow { id: string; lon: number; lat: number; status: CaseStatus; overdue: boolean; urgency: Urgency }

/** Case locations for the map (一图掌控): only what a point needs, within reach and an area. */
export async function mapPoints(db: Queryable, reach: Reach, area: { level: AreaLevel; code: string } | null, openOnly: boolean, now: Date, limit: number): Promise<MapPointRow[]> {
  const { params, p } = placeholders();
  const where = [reachSql(reach, p)];
  if (area) where.push(`${AREA_COLUMN[area.level]} = ${p(area.code)}`);
  if (openOnly) where.push(`status not in ('closed', 'rejected', 'voided', 'merged')`);
  return db.query<MapPointRow>(
    `select id, lon, lat, status, urgency, (due_at < ${p(now)} and ${TIMED_SQL}) is true as overdue
       from case_record where ${where.join(' and ')} order by created_at desc limit ${p(limit)}`,
    params,
  );
}

export interface MapClusterRow { n: number; lon: number; lat: number; overdue: number; id: string }

/**
 * Cases within reach in a box, aggregated per cell of a lon/lat lattice anchored at 0°, 0° (so a
 * cell's members do not change as the view pans): count, mean position, overdue count, and the
 * smallest id (the case itself when the cell holds one). The fullest cells first, at most `limit`.
 */
export async function mapClusters(
  db: Queryable, reach: Reach, area: { level: AreaLevel; code: string } | null, openOnly: boolean, now: Date,
  box: readonly [number, number, number, number], cell: { lon: number; lat: number }, limit: number,
): Promise<MapClusterRow[]> {
  const { params, p } = placeholders();
  const where = [reachSql(reach, p), `lon between ${p(box[0])} and ${p(box[2])}`, `lat between ${p(box[1])} and ${p(box[3])}`];
  if (area) where.push(`${AREA_COLUMN[area.level]} = ${p(area.code)}`);
  if (openOnly) where.push(`status not in ('closed', 'rejected', 'voided', 'merged')`);
  const rows = await db.query<{ n: number; lon: number; lat: number; overdue: number; id: string }>(
    `select count(*)::int as n, avg(lon)::float8 as lon, avg(lat)::float8 as lat,
            (count(*) filter (where due_at < ${p(now)} and ${TIMED_SQL}))::int as overdue, min(id) as id
       from case_record where ${where.join(' and ')}
      group by floor(lon / ${p(cell.lon)}::float8), floor(lat / ${p(cell.lat)}::float8)
      order by n desc, id limit ${p(limit)}`,
    params,
  );
  return rows;
}

export interface AreaStatsRow { code: string; total: number; open: number; overdue: number; closed: number; rated: number; satisfaction: number | null }

/** Counts per sub-area (the level below `area`, or districts for the whole city), within reach. */
export async function areaStats(db: Queryable, reach: Reach, area: { level: AreaLevel | 'city'; code: string }, now: Date): Promise<AreaStatsRow[]> {
  const { params, p } = placeholders();
  const where = [reachSql(reach, p)];
  const below: AreaLevel = area.level === 'city' ? 'district' : area.level === 'district' ? 'street' : 'community';
  if (area.level !== 'city') where.push(`${AREA_COLUMN[area.level as AreaLevel]} = ${p(area.code)}`);
  const rows = await db.query<{ code: string; total: string | number; open: string | number; overdue: string | number; closed: string | number; rated: string | number; satisfaction: string | number | null }>(
    `select ${AREA_COLUMN[below]} as code, count(*) as total,
            count(*) filter (where status not in ('closed', 'rejected', 'voided', 'merged')) as open,
            count(*) filter (where due_at < ${p(now)} and ${TIMED_SQL}) as overdue,
            count(*) filter (where status = 'closed') as closed,
            count(satisfaction) as rated, avg(satisfaction)::float8 as satisfaction
       from case_record where ${where.join(' and ')} group by 1 order by 1`,
    params,
  );
  return rows.map((r) => ({
    code: r.code, total: Number(r.total), open: Number(r.open), overdue: Number(r.overdue), closed: Number(r.closed), rated: Number(r.rated),
    satisfaction: r.satisfaction === null ? null : Number(r.satisfaction),
  }));
}

export async function listCases(db: Queryable, f: CaseFilter): Promise<Case[]> {
  const where: string[] = [];
  const { params, p } = placeholders();
  where.push(reachSql(f, p));
  if (f.status?.length) where.push(`status = any(${p(f.status)}::text[])`);
  if (f.categoryPrefix) where.push(`category_code like ${p(`${f.categoryPrefix}%`)}`);
  if (f.ownerUnitId) where.push(`owner_unit_id = ${p(f.ownerUnitId)}`);
  if (f.assigneeUnitId) where.push(`assignee_unit_id = ${p(f.assigneeUnitId)}`);
  if (f.channel) where.push(`channel = ${p(f.channel)}`);
  if (f.urgency) where.push(`urgency = ${p(f.urgency)}`);
  if (f.overdueAt) where.push(`due_at < ${p(f.overdueAt)} and ${TIMED_SQL}`);
  if (f.from) where.push(`created_at >= ${p(f.from)}`);
  if (f.to) where.push(`created_at < ${p(f.to)}`);
  if (f.bbox) where.push(`lon between ${p(f.bbox[0])} and ${p(f.bbox[2])} and lat between ${p(f.bbox[1])} and ${p(f.bbox[3])}`);
  if (f.text) {
    const like = p(`%${f.text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
    where.push(`(title like ${like} or description like ${like} or address like ${like} or number like ${like})`);
  }
  if (f.before) where.push(`(created_at, id) < (${p(f.before.createdAt)}::timestamptz, ${p(f.before.id)})`);
  const rows = await db.query<CaseRow>(
    `select * from case_record where ${where.join(' and ')} order by created_at desc, id desc limit ${p(f.limit)}`,
    params,
  );
  return rows.map(toCase);
}

export interface TimelineEntry {
  seq: number;
  at: string;
  action: string;
  fromStatus: CaseStatus | null;
  toStatus: CaseStatus;
  actorUserId: string | null;
  actorUnitId: string | null;
  note: string | null;
  data: Record<string, unknown> | null;
}

export async function appendEvent(tx: Queryable, caseId: string, e: Omit<TimelineEntry, 'seq'>): Promise<number> {
  const [row] = await tx.query<{ seq: number }>(
    `insert into case_event (case_id, seq, at, action, from_status, to_status, actor_user_id, actor_unit_id, note, data)
     select $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9 from case_event where case_id = $1
     returning seq`,
    [caseId, e.at, e.action, e.fromStatus, e.toStatus, e.actorUserId, e.actorUnitId, e.note, e.data ? JSON.stringify(e.data) : null],
  );
  return row.seq;
}

export async function timeline(db: Queryable, caseId: string): Promise<TimelineEntry[]> {
  const rows = await db.query<{ seq: number; at: Date; action: string; from_status: CaseStatus | null; to_status: CaseStatus; actor_user_id: string | null; actor_unit_id: string | null; note: string | null; data: Record<string, unknown> | null }>(
    'select * from case_event where case_id = $1 order by seq', [caseId],
  );
  return rows.map((r) => ({
    seq: r.seq, at: r.at.toISOString(), action: r.action, fromStatus: r.from_status, toStatus: r.to_status,
    actorUserId: r.actor_user_id, actorUnitId: r.actor_unit_id, note: r.note, data: r.data,
  }));
}

/** Pause/resume history since a time, for SLA clocks. */
export async function suspensionsSince(db: Queryable, caseId: string, since: string): Promise<{ type: 'suspend' | 'resume'; at: Date }[]> {
  const rows = await db.query<{ action: 'suspend' | 'resume'; at: Date }>(
    `select action, at from case_event where case_id = $1 and action in ('suspend', 'resume') and at >= $2 order by seq`, [caseId, since],
  );
  return rows.map((r) => ({ type: r.action, at: r.at }));
}

export interface Timer { id: string; caseId: string; kind: string; dueAt: string; payload: Record<string, unknown> }

export async function replaceTimers(tx: Queryable, caseId: string, timers: readonly Timer[]): Promise<void> {
  // One statement: the pending timers of the case go, the new ones come.
  await tx.query(
    `with gone as (delete from case_timer where case_id = $1 and fired_at is null)
     insert into case_timer (id, case_id, kind, due_at, payload)
     select t.id, $1, t.kind, t.due_at, t.payload from jsonb_to_recordset($2::jsonb) as t(id text, kind text, due_at timestamptz, payload jsonb)`,
    [caseId, JSON.stringify(timers.map((t) => ({ id: t.id, kind: t.kind, due_at: t.dueAt, payload: t.payload })))],
  );
}

/**
 * Claims due timers; `for update skip locked` lets several nodes share the work without firing
 * one twice. The case row is locked with its timer: a timer whose case another worker or a user
 * action holds right now waits for the next pass, so one case's timeline is never appended to
 * by two transactions at once (and worker and action never deadlock).
 */
export async function claimDueTimers(tx: Queryable, now: Date, limit: number): Promise<Timer[]> {
  const rows = await tx.query<{ id: string; case_id: string; kind: string; due_at: Date; payload: Record<string, unknown> }>(
    `update case_timer set fired_at = $1 where id in (
       select t.id from case_timer t join case_record c on c.id = t.case_id
        where t.fired_at is null and t.due_at <= $1 order by t.due_at limit $2 for update of t, c skip locked)
     returning id, case_id, kind, due_at, payload`,
    [now, limit],
  );
  rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || (a.id < b.id ? -1 : 1));
  return rows.map((r) => ({ id: r.id, caseId: r.case_id, kind: r.kind, dueAt: r.due_at.toISOString(), payload: r.payload }));
}

export async function pendingTimers(db: Queryable, caseId: string): Promise<Timer[]> {
  const rows = await db.query<{ id: string; case_id: string; kind: string; due_at: Date; payload: Record<string, unknown> }>(
    'select * from case_timer where case_id = $1 and fired_at is null order by due_at', [caseId],
  );
  return rows.map((r) => ({ id: r.id, caseId: r.case_id, kind: r.kind, dueAt: r.due_at.toISOString(), payload: r.payload }));
}

export interface Supervision { id: string; caseId: string; at: string; kind: 'manual' | 'escalation' | 'warning'; tier: string; unitId: string; byUserId: string | null; note: string }

export async function insertSupervision(tx: Queryable, s: Supervision): Promise<void> {
  await tx.query('insert into case_supervision (id, case_id, at, kind, tier, unit_id, by_user_id, note) values ($1, $2, $3, $4, $5, $6, $7, $8)',
    [s.id, s.caseId, s.at, s.kind, s.tier, s.unitId, s.byUserId, s.note]);
}

export async function supervisionsOf(db: Queryable, caseId: string): Promise<Supervision[]> {
  const rows = await db.query<{ id: string; case_id: string; at: Date; kind: Supervision['kind']; tier: string; unit_id: string; by_user_id: string | null; note: string }>(
    'select * from case_supervision where case_id = $1 order by at, id', [caseId],
  );
  return rows.map((r) => ({ id: r.id, caseId: r.case_id, at: r.at.toISOString(), kind: r.kind, tier: r.tier, unitId: r.unit_id, byUserId: r.by_user_id, note: r.note }));
}

export async function findIdempotent(db: Queryable, owner: string, key: string): Promise<{ requestHash: string; caseId: string } | undefined> {
  const [row] = await db.query<{ request_hash: string; case_id: string }>('select request_hash, case_id from case_idempotency where owner = $1 and key = $2', [owner, key]);
  return row && { requestHash: row.request_hash, caseId: row.case_id };
}

export async function savePhoto(db: Queryable, p: { hash: string; mime: string; data: Buffer; uploadedBy: string | null; at: Date }): Promise<void> {
  await db.query(
    'insert into photo (hash, mime, size, data, uploaded_by, created_at) values ($1, $2, $3, $4, $5, $6) on conflict (hash) do nothing',
    [p.hash, p.mime, p.data.length, p.data, p.uploadedBy, p.at],
  );
}

export async function getPhoto(db: Queryable, hash: string): Promise<{ mime: string; data: Buffer; uploadedBy: string | null } | undefined> {
  const [row] = await db.query<{ mime: string; data: string; uploaded_by: string | null }>(`select mime, encode(data, 'base64') as data, uploaded_by from photo where hash = $1`, [hash]);
  return row && { mime: row.mime, data: Buffer.from(row.data, 'base64'), uploadedBy: row.uploaded_by };
}

export async function existingPhotos(db: Queryable, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db.query<{ hash: string }>('select hash from photo where hash = any($1::text[])', [hashes]);
  return new Set(rows.map((r) => r.hash));
}

/** Whether any case the caller can see carries this photo (checked by the service with the same reach). */
export async function casesWithPhoto(db: Queryable, hash: string, limit = 50): Promise<Case[]> {
  return (await db.query<CaseRow>('select * from case_record where $1 = any(photos) limit $2', [hash, limit])).map(toCase);
}

/** Kinds of the timers already fired for one clock run of a case. */
export async function firedTimerKinds(db: Queryable, caseId: string, run: string): Promise<Set<string>> {
  const rows = await db.query<{ kind: string }>(`select kind from case_timer where case_id = $1 and fired_at is not null and payload->>'run' = $2`, [caseId, run]);
  return new Set(rows.map((r) => r.kind));
}

// ---------------------------------------------------------------------------------------------
// Public reads, for feeds without a signed-in caller (the Open311 GeoReport endpoint). They
// apply no jurisdiction: the service says which cases are public, and callers show only
// public fields.

export interface PublicCaseFilter {
  numbers?: string[];
  categoryCodes?: string[];
  status?: CaseStatus[];
  /** Appeal types never shown publicly. */
  excludeAppealTypes: AppealType[];
  /** Only cases with a category (a public request is named by its category). */
  categorisedOnly: boolean;
  /** Reported at or after. */
  from?: Date;
  /** Reported at or before. */
  to?: Date;
  limit: number;
}

/** Public cases, newest first. */
export async function listPublicCases(db: Queryable, f: PublicCaseFilter): Promise<Case[]> {
  const where: string[] = [];
  const { params, p } = placeholders();
  if (f.categorisedOnly) where.push('category_code is not null');
  if (f.excludeAppealTypes.length) where.push(`appeal_type <> all(${p(f.excludeAppealTypes)}::text[])`);
  if (f.numbers) where.push(`number = any(${p(f.numbers)}::text[])`);
  if (f.categoryCodes?.length) where.push(`category_code = any(${p(f.categoryCodes)}::text[])`);
  if (f.status?.length) where.push(`status = any(${p(f.status)}::text[])`);
  if (f.from) where.push(`created_at >= ${p(f.from)}`);
  if (f.to) where.push(`created_at <= ${p(f.to)}`);
  const rows = await db.query<CaseRow>(
    `select * from case_record ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, id desc limit ${p(f.limit)}`,
    params,
  );
  return rows.map(toCase);
}

export interface CaseNote { caseId: string; action: string; at: string; note: string }

/** The latest note of each case written with one of `actions`. */
export async function latestNotes(db: Queryable, caseIds: readonly string[], actions: readonly string[]): Promise<Map<string, CaseNote>> {
  if (caseIds.length === 0 || actions.length === 0) return new Map();
  const rows = await db.query<{ case_id: string; action: string; at: Date; note: string }>(
    `select distinct on (case_id) case_id, action, at, note from case_event
     where case_id = any($1::text[]) and action = any($2::text[]) and note is not null
     order by case_id, seq desc`,
    [caseIds, actions],
  );
  return new Map(rows.map((r) => [r.case_id, { caseId: r.case_id, action: r.action, at: r.at.toISOString(), note: r.note }]));
}

export interface CorrectionRow {
  description: string;
  channel: string;
  appeal_type: string;
  domain: string | null;
  category_code: string;
  urgency: string;
}

/**
 * Cases whose first routing an operator corrected: returned (回退) or transferred (转办) and
 * then dispatched again, or whose category an action changed (an event carrying a new
 * categoryCode). The case's current labels are the operator's judgement.
 */
export async function correctedCases(db: Queryable, limit: number): Promise<CorrectionRow[]> {
  return db.query<CorrectionRow>(
    `select c.description, c.channel, c.appeal_type, c.domain, c.category_code, c.urgency
       from case_record c
      where c.category_code is not null
        and c.status not in ('rejected', 'voided')
        and (exists (select 1 from case_event r join case_event d on d.case_id = r.case_id and d.seq > r.seq and d.action = 'dispatch'
                      where r.case_id = c.id and r.action in ('return', 'transfer'))
             or exists (select 1 from case_event e where e.case_id = c.id and e.data ? 'categoryCode'))
      order by c.created_at, c.id
      limit $1`,
    [limit],
  );
}

/** An open case as the duplicate search sees it first (the texts of the few that matter are read after). */
export interface OpenCaseSummary { id: string; number: string; categoryCode: string | null; lon: number; lat: number; createdAtMs: number }

/** One search of the duplicate check (重复件): open cases in a box created in [since, until], other than the case itself. */
export interface NearQuery { box: { minLon: number; maxLon: number; minLat: number; maxLat: number }; since: Date; until: Date; excludeId: string }

/** Open cases near each query's place (the case_open_point index), newest first, at most `limit` each; one statement for the lot. */
export async function openCasesNear(db: Queryable, queries: readonly NearQuery[], limit: number): Promise<OpenCaseSummary[][]> {
  if (queries.length === 0) return [];
  const rows = await db.query<{ i: number; id: string; number: string; category_code: string | null; lon: number; lat: number; at_ms: number }>(
    `select q.i::int as i, c.id, c.number, c.category_code, c.lon, c.lat, (extract(epoch from c.created_at) * 1000)::float8 as at_ms
       from unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[], $5::timestamptz[], $6::timestamptz[], $7::text[])
            with ordinality as q(min_lat, max_lat, min_lon, max_lon, since, until, exclude_id, i)
       cross join lateral (
         select id, number, category_code, lon, lat, created_at from case_record
          where point(lon, lat) <@ box(point(q.min_lon, q.min_lat), point(q.max_lon, q.max_lat))
            and created_at >= q.since and created_at <= q.until and id <> q.exclude_id
            and status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified')
          order by created_at desc limit $8) c`,
    [queries.map((q) => q.box.minLat), queries.map((q) => q.box.maxLat), queries.map((q) => q.box.minLon), queries.map((q) => q.box.maxLon),
      queries.map((q) => q.since), queries.map((q) => q.until), queries.map((q) => q.excludeId), limit],
  );
  const out: OpenCaseSummary[][] = queries.map(() => []);
  for (const r of rows) out[r.i - 1].push({ id: r.id, number: r.number, categoryCode: r.category_code, lon: r.lon, lat: r.lat, createdAtMs: r.at_ms });
  return out;
}

/** The descriptions of these cases, by id. */
export async function descriptionsOf(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{ id: string; description: string }>('select id, description from case_record where id = any($1::text[])', [ids]);
  return new Map(rows.map((r) => [r.id, r.description]));
}

export async function getCases(db: Queryable, ids: readonly string[]): Promise<Case[]> {
  if (ids.length === 0) return [];
  return (await db.query<CaseRow>('select * from case_record where id = any($1::text[])', [ids])).map(toCase);
}

export type AreaColumn = 'district_code' | 'street_code' | 'community_code' | 'grid_code';
export type DemandKey = 'domain' | 'category_code' | 'appeal_type';

export interface DemandFilter {
  /** The area's column and code (null = the whole city), and the column of its child areas. */
  parent: { column: AreaColumn; code: string } | null;
  child: AreaColumn;
  key: DemandKey;
  /** Streets the caller covers; null = the whole city. */
  streets: readonly string[] | null;
  previousFrom: Date;
  from: Date;
  to: Date;
  granularity: 'day' | 'week' | 'month';
  timeZone: string;
}

/**
 * Case counts for the demand map (需求图谱): per child area and key in [from, to) and in the
 * period of the same length before it; and per calendar period (in the city's time zone) and key.
 */
export async function demandCounts(db: Queryable, f: DemandFilter): Promise<{
  cells: { area: string; key: string; count: number; previous: number }[];
  series: { period: string; key: string; count: number }[];
}> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = [`created_at >= ${p(f.previousFrom)}`, `created_at < ${p(f.to)}`];
  if (f.parent) where.push(`${f.parent.column} = ${p(f.parent.code)}`);
  if (f.streets !== null) where.push(`street_code = any(${p(f.streets)}::text[])`);
  const from = p(f.from);
  const cells = await db.query<{ area: string; key: string; count: number; previous: number }>(
    `select ${f.child} as area, coalesce(${f.key}, '') as key,
            count(*) filter (where created_at >= ${from})::int as count, count(*) filter (where created_at < ${from})::int as previous
       from case_record where ${where.join(' and ')} group by 1, 2 order by 1, 2`,
    params,
  );
  const series = await db.query<{ period: string; key: string; count: number }>(
    `select to_char(date_trunc(${p(f.granularity)}, created_at at time zone ${p(f.timeZone)}), 'YYYY-MM-DD') as period,
            coalesce(${f.key}, '') as key, count(*)::int as count
       from case_record where ${where.join(' and ')} and created_at >= ${from} group by 1, 2 order by 1, 2`,
    params,
  );
  return { cells, series };
}
