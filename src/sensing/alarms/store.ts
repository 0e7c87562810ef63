/**
 * SQL for alarms (告警) and their history. Only this file touches the alarm tables.
 */
import type { Queryable } from '../../storage/db.ts';
import type { AlarmLevel } from '../model.ts';
import type { RuleKind } from '../rules/model.ts';

export type AlarmState = 'active' | 'cleared';

export interface Alarm {
  id: string;
  ruleKey: string;
  kind: RuleKind;
  subjectType: 'sensor' | 'asset';
  subjectId: string;
  sensorId: string | null;
  sensorType: string;
  assetId: string | null;
  level: AlarmLevel;
  peakLevel: AlarmLevel;
  state: AlarmState;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  assigneeUserId: string | null;
  assigneeUnitId: string | null;
  ownerUnitId: string;
  divisionCodes: string[];
  districtCode: string;
  streetCode: string | null;
  lon: number;
  lat: number;
  value: number | null;
  raisedAt: string;
  updatedAt: string;
  clearedAt: string | null;
  caseId: string | null;
  version: number;
}

export interface AlarmEvent {
  seq: number;
  at: string;
  /** raise · escalate · deescalate · clear · acknowledge · comment · assign · case */
  action: string;
  fromLevel: AlarmLevel | null;
  toLevel: AlarmLevel | null;
  actor: string | null;
  note: string | null;
  data: Record<string, unknown> | null;
}

interface AlarmRow {
  id: string; rule_key: string; kind: RuleKind; subject_type: 'sensor' | 'asset'; subject_id: string; sensor_id: string | null; sensor_type: string;
  asset_id: string | null; level: AlarmLevel; peak_level: AlarmLevel; state: AlarmState; acknowledged_at: Date | null; acknowledged_by: string | null;
  assignee_user_id: string | null; assignee_unit_id: string | null; owner_unit_id: string; division_codes: string[]; district_code: string;
  street_code: string | null; lon: number; lat: number; value: number | null; raised_at: Date; updated_at: Date; cleared_at: Date | null;
  case_id: string | null; version: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toAlarm = (r: AlarmRow): Alarm => ({
  id: r.id, ruleKey: r.rule_key, kind: r.kind, subjectType: r.subject_type, subjectId: r.subject_id, sensorId: r.sensor_id, sensorType: r.sensor_type,
  assetId: r.asset_id, level: r.level, peakLevel: r.peak_level, state: r.state, acknowledgedAt: iso(r.acknowledged_at), acknowledgedBy: r.acknowledged_by,
  assigneeUserId: r.assignee_user_id, assigneeUnitId: r.assignee_unit_id, ownerUnitId: r.owner_unit_id, divisionCodes: r.division_codes,
  districtCode: r.district_code, streetCode: r.street_code, lon: r.lon, lat: r.lat, value: r.value, raisedAt: r.raised_at.toISOString(),
  updatedAt: r.updated_at.toISOString(), clearedAt: iso(r.cleared_at), caseId: r.case_id, version: r.version,
});

/**
 * Inserts a new active alarm; false when (subject, rule) already has one (raised by the node that
 * evaluated it before this one took over), which is then left as it is.
 */
export async function insertAlarm(tx: Queryable, a: Alarm): Promise<boolean> {
  const rows = await tx.query(
    `insert into alarm (id, rule_key, kind, subject_type, subject_id, sensor_id, sensor_type, asset_id, level, peak_level, state,
       owner_unit_id, division_codes, district_code, street_code, lon, lat, value, raised_at, updated_at, version)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1)
     on conflict (subject_id, rule_key) where state = 'active' do nothing returning id`,
    [a.id, a.ruleKey, a.kind, a.subjectType, a.subjectId, a.sensorId, a.sensorType, a.assetId, a.level, a.peakLevel, a.state,
      a.ownerUnitId, a.divisionCodes, a.districtCode, a.streetCode, a.lon, a.lat, a.value, a.raisedAt, a.updatedAt],
  );
  return rows.length > 0;
}

/** The active alarm of (subject, rule), locked for the transaction. */
export async function lockActiveAlarm(tx: Queryable, subjectId: string, ruleKey: string): Promise<Alarm | undefined> {
  const [row] = await tx.query<AlarmRow>(`select * from alarm where subject_id = $1 and rule_key = $2 and state = 'active' for update`, [subjectId, ruleKey]);
  return row ? toAlarm(row) : undefined;
}

/**
 * The rule engine's change of an active alarm: its level (the peak follows), value, and state
 * when it clears. Leaves what people set (acknowledgement, assignee) alone; undefined when the
 * alarm is no longer active (cleared by hand meanwhile).
 */
export async function moveAlarm(tx: Queryable, id: string, change: { level: AlarmLevel; cleared: boolean; value: number | null; at: string }): Promise<Alarm | undefined> {
  const [row] = await tx.query<AlarmRow>(
    `update alarm set level = $2,
       peak_level = case when array_position($6::text[], $2) > array_position($6::text[], peak_level) then $2 else peak_level end,
       value = coalesce($3, value), updated_at = $4, state = case when $5 then 'cleared' else state end,
       cleared_at = case when $5 then $4::timestamptz else cleared_at end, version = version + 1
     where id = $1 and state = 'active' returning *`,
    [id, change.level, change.value, change.at, change.cleared, LEVEL_ORDER],
  );
  return row ? toAlarm(row) : undefined;
}

const LEVEL_ORDER: readonly AlarmLevel[] = ['blue', 'yellow', 'orange', 'red'];

/** Writes the mutable part of an alarm; returns the saved row. */
export async function updateAlarm(tx: Queryable, a: Alarm): Promise<Alarm> {
  const [row] = await tx.query<AlarmRow>(
    `update alarm set level = $2, peak_level = $3, state = $4, acknowledged_at = $5, acknowledged_by = $6, assignee_user_id = $7,
       assignee_unit_id = $8, value = $9, updated_at = $10, cleared_at = $11, case_id = coalesce($12, case_id), version = version + 1
     where id = $1 returning *`,
    [a.id, a.level, a.peakLevel, a.state, a.acknowledgedAt, a.acknowledgedBy, a.assigneeUserId, a.assigneeUnitId, a.value, a.updatedAt, a.clearedAt, a.caseId],
  );
  return toAlarm(row);
}

/** Links the alarm to its case and nothing else (the engine may be writing its level meanwhile); a link is never undone. */
export async function linkAlarmCase(tx: Queryable, id: string, caseId: string, at: string): Promise<Alarm | undefined> {
  const [row] = await tx.query<AlarmRow>('update alarm set case_id = $2, updated_at = $3, version = version + 1 where id = $1 returning *', [id, caseId, at]);
  return row ? toAlarm(row) : undefined;
}

export async function appendAlarmEvent(tx: Queryable, alarmId: string, e: Omit<AlarmEvent, 'seq'>): Promise<void> {
  await tx.query(
    `insert into alarm_event (alarm_id, seq, at, action, from_level, to_level, actor, note, data)
     select $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8 from alarm_event where alarm_id = $1`,
    [alarmId, e.at, e.action, e.fromLevel, e.toLevel, e.actor, e.note, e.data ? JSON.stringify(e.data) : null],
  );
}

export async function getAlarm(db: Queryable, id: string): Promise<Alarm | undefined> {
  const [row] = await db.query<AlarmRow>('select * from alarm where id = $1', [id]);
  return row ? toAlarm(row) : undefined;
}

/** Every active alarm, or those of the given subjects (sensors, assets). */
export async function activeAlarms(db: Queryable, subjectIds?: readonly string[]): Promise<Alarm[]> {
  const rows = subjectIds
    ? await db.query<AlarmRow>(`select * from alarm where state = 'active' and subject_id = any($1::text[])`, [subjectIds])
    : await db.query<AlarmRow>(`select * from alarm where state = 'active'`);
  return rows.map(toAlarm);
}

export async function alarmHistory(db: Queryable, id: string): Promise<AlarmEvent[]> {
  const rows = await db.query<{ seq: number; at: Date; action: string; from_level: AlarmLevel | null; to_level: AlarmLevel | null; actor: string | null; note: string | null; data: Record<string, unknown> | null }>(
    'select * from alarm_event where alarm_id = $1 order by seq', [id]);
  return rows.map((r) => ({ seq: r.seq, at: r.at.toISOString(), action: r.action, fromLevel: r.from_level, toLevel: r.to_level, actor: r.actor, note: r.note, data: r.data }));
}

export interface AlarmFilter {
  state?: AlarmState;
  level?: AlarmLevel;
  division?: string;
  acknowledged?: boolean;
  sensorId?: string;
  kind?: string;
  /** Streets the caller covers (null: the whole city); alarms owned by or assigned to `unitId` are visible too. */
  streets: string[] | null;
  unitId: string;
  limit: number;
  offset: number;
}

export async function listAlarms(db: Queryable, f: AlarmFilter): Promise<Alarm[]> {
  const rows = await db.query<AlarmRow>(
    `select * from alarm
     where ($1::text is null or state = $1) and ($2::text is null or level = $2) and ($3::text is null or $3 = any(division_codes))
       and ($4::boolean is null or (acknowledged_at is not null) = $4) and ($5::text is null or sensor_id = $5) and ($6::text is null or kind = $6)
       and ($7::text[] is null or street_code = any($7) or owner_unit_id = $8 or assignee_unit_id = $8)
     order by raised_at desc, id limit $9 offset $10`,
    [f.state ?? null, f.level ?? null, f.division ?? null, f.acknowledged ?? null, f.sensorId ?? null, f.kind ?? null, f.streets, f.unitId, f.limit, f.offset],
  );
  return rows.map(toAlarm);
}

/** Active alarms in each of `codes`, by level. */
export async function alarmCounts(db: Queryable, codes: readonly string[]): Promise<Map<string, Record<AlarmLevel, number>>> {
  const rows = await db.query<{ code: string; level: AlarmLevel; n: number }>(
    `select code, level, count(*)::int as n from alarm, unnest(division_codes) as code
     where state = 'active' and code = any($1) group by code, level`, [codes]);
  const out = new Map<string, Record<AlarmLevel, number>>();
  for (const r of rows) {
    let counts = out.get(r.code);
    if (!counts) out.set(r.code, (counts = { blue: 0, yellow: 0, orange: 0, red: 0 }));
    counts[r.level] = r.n;
  }
  return out;
}

export async function deleteRuleState(tx: Queryable, subjectId: string, ruleKey: string): Promise<void> {
  await tx.query('delete from alarm_rule_state where subject_id = $1 and rule_key = $2', [subjectId, ruleKey]);
}
