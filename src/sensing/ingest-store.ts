/**
 * SQL of ingest: one multi-row insert per batch from column arrays (the array literals are
 * built here, which is several times cheaper than the driver's generic array encoding),
 * duplicates dropped by the primary key, and the per-source counters.
 */
import type { Queryable } from '../storage/db.ts';

const intArray = (values: ArrayLike<number>, n: number): string => {
  let s = '{';
  for (let i = 0; i < n; i++) s += (i ? ',' : '') + values[i];
  return s + '}';
};

/** Float literals keep full precision (String(x) round-trips a double). */
const floatArray = intArray;

export interface InsertResult {
  inserted: number;
  /** Keys of the inserted rows, given only when some were duplicates. */
  keys: { nums: number[]; ts: number[] } | null;
}

/** Inserts readings (already free of in-batch duplicates); rows already stored are skipped. */
export async function insertReadings(tx: Queryable, nums: ArrayLike<number>, ts: ArrayLike<number>, values: ArrayLike<number>, n: number): Promise<InsertResult> {
  const [row] = await tx.query<{ n: number; nums: number[] | null; ts: number[] | null }>(
    `with ins as (
       insert into sensing_reading (sensor_num, ts_ms, value)
       select * from unnest($1::int4[], $2::int8[], $3::float8[])
       on conflict do nothing
       returning sensor_num, ts_ms)
     select count(*)::int as n,
            case when count(*) < $4 then array_agg(sensor_num) end as nums,
            case when count(*) < $4 then array_agg(ts_ms::float8) end as ts
       from ins`,
    [intArray(nums, n), intArray(ts, n), floatArray(values, n), n],
  );
  // array_agg over no rows is null: every reading was a duplicate.
  return { inserted: row.n, keys: row.n < n ? { nums: (row.nums ?? []).map(Number), ts: (row.ts ?? []).map(Number) } : null };
}

/** Adds to the per-source, per-reason counters. */
export async function addCounters(tx: Queryable, counts: ReadonlyMap<string, number>, at: Date): Promise<void> {
  if (counts.size === 0) return;
  const sources: string[] = [];
  const reasons: string[] = [];
  const ns: number[] = [];
  for (const [key, n] of counts) {
    const cut = key.lastIndexOf('|');
    sources.push(key.slice(0, cut));
    reasons.push(key.slice(cut + 1));
    ns.push(n);
  }
  await tx.query(
    `insert into sensing_ingest_counter as c (source, reason, count, last_at)
     select u.source, u.reason, u.n, $4 from unnest($1::text[], $2::text[], $3::int8[]) as u(source, reason, n)
     on conflict (source, reason) do update set count = c.count + excluded.count, last_at = excluded.last_at`,
    [sources, reasons, ns, at],
  );
}

export interface CounterRow { source: string; reason: string; count: number; lastAt: Date }

export async function loadCounters(db: Queryable): Promise<CounterRow[]> {
  return db.query<CounterRow>('select source, reason, count, last_at as "lastAt" from sensing_ingest_counter order by source, reason');
}
