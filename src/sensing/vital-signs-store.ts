/**
 * SQL for vital signs (城市体征): counts of open and overdue cases per district, and the
 * stored snapshots. Case counts read the case table (read-only) in one grouped query.
 */
import type { Queryable } from '../storage/db.ts';
import { OPEN_STATUSES } from '../cases/workflow.ts';
import type { AlarmLevel } from './model.ts';

export interface VitalSigns {
  divisionCode: string;
  at: string;
  sensorsTotal: number;
  sensorsOnline: number;
  alarms: Record<AlarmLevel, number>;
  openCases: number;
  overdueCases: number;
  compositeIndex: number;
}

/** Open and overdue cases in each of `codes` (the city, districts or streets). */
export async function caseCounts(db: Queryable, codes: readonly string[], now: Date): Promise<Map<string, { open: number; overdue: number }>> {
  const rows = await db.query<{ code: string; open: number; overdue: number }>(
    `select code, count(*)::int as open, count(*) filter (where due_at < $3)::int as overdue
     from case_record, unnest(array['500000', district_code, street_code]) as code
     where status = any($1) and code = any($2) group by code`, [OPEN_STATUSES, codes, now]);
  return new Map(rows.map((r) => [r.code, { open: r.open, overdue: r.overdue }]));
}

export async function insertSnapshots(tx: Queryable, rows: readonly VitalSigns[]): Promise<void> {
  if (!rows.length) return;
  await tx.query(
    `insert into vital_sign_snapshot (division_code, at, sensors_total, sensors_online, alarms_blue, alarms_yellow, alarms_orange, alarms_red, open_cases, overdue_cases, composite_index)
     select * from unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::float8[])
     on conflict do nothing`,
    [rows.map((r) => r.divisionCode), rows.map((r) => r.at), rows.map((r) => r.sensorsTotal), rows.map((r) => r.sensorsOnline),
      rows.map((r) => r.alarms.blue), rows.map((r) => r.alarms.yellow), rows.map((r) => r.alarms.orange), rows.map((r) => r.alarms.red),
      rows.map((r) => r.openCases), rows.map((r) => r.overdueCases), rows.map((r) => r.compositeIndex)],
  );
}

/** The last snapshot in each `stepMs` bucket of [from, to). */
export async function snapshotSeries(db: Queryable, divisionCode: string, from: Date, to: Date, stepMs: number): Promise<VitalSigns[]> {
  const rows = await db.query<{ division_code: string; at: Date; sensors_total: number; sensors_online: number; alarms_blue: number; alarms_yellow: number; alarms_orange: number; alarms_red: number; open_cases: number; overdue_cases: number; composite_index: number }>(
    `select distinct on (floor(extract(epoch from at) * 1000 / $4)) *
     from vital_sign_snapshot where division_code = $1 and at >= $2 and at < $3
     order by floor(extract(epoch from at) * 1000 / $4), at desc`,
    [divisionCode, from, to, stepMs],
  );
  return rows.map((r) => ({
    divisionCode: r.division_code, at: r.at.toISOString(), sensorsTotal: r.sensors_total, sensorsOnline: r.sensors_online,
    alarms: { blue: r.alarms_blue, yellow: r.alarms_yellow, orange: r.alarms_orange, red: r.alarms_red },
    openCases: r.open_cases, overdueCases: r.overdue_cases, compositeIndex: r.composite_index,
  }));
}
