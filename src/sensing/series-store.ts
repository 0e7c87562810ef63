/** SQL of the time series: merging rollup deltas, range queries, retention. */
import type { Queryable } from '../storage/db.ts';
import { keyBucketIndex, keyNum, type Agg } from './series-rollup.ts';

export type Resolution = '1m' | '1h';

const TABLE: Record<Resolution, string> = { '1m': 'sensing_rollup_1m', '1h': 'sensing_rollup_1h' };

const CHUNK = 20_000;

/** Merges deltas into a rollup table: counts and sums add, extremes compare. */
export async function mergeRollups(tx: Queryable, resolution: Resolution, bucketMs: number, deltas: ReadonlyMap<number, Agg>): Promise<void> {
  // In (sensor, bucket) order: nodes taking readings of the same sensors flush at the same time
  // and must lock shared rows in one order, or they deadlock.
  const entries = [...deltas].sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < entries.length; i += CHUNK) {
    const part = entries.slice(i, i + CHUNK);
    await tx.query(
      `insert into ${TABLE[resolution]} as r (sensor_num, bucket_ms, vmin, vmax, vsum, n)
       select * from unnest($1::int4[], $2::int8[], $3::float8[], $4::float8[], $5::float8[], $6::int4[])
       on conflict (sensor_num, bucket_ms) do update
         set vmin = least(r.vmin, excluded.vmin), vmax = greatest(r.vmax, excluded.vmax), vsum = r.vsum + excluded.vsum, n = r.n + excluded.n`,
      [
        part.map(([key]) => keyNum(key)), part.map(([key]) => keyBucketIndex(key) * bucketMs),
        part.map(([, a]) => a.min), part.map(([, a]) => a.max), part.map(([, a]) => a.sum), part.map(([, a]) => a.n),
      ],
    );
  }
}

export interface RawPoint { ts: number; value: number }
export interface RollupPoint { ts: number; min: number; max: number; avg: number; count: number }

export async function rawReadings(db: Queryable, num: number, from: number, to: number, limit: number): Promise<RawPoint[]> {
  return db.query<RawPoint>(
    'select ts_ms as ts, value from sensing_reading where sensor_num = $1 and ts_ms >= $2 and ts_ms < $3 order by ts_ms limit $4',
    [num, from, to, limit],
  );
}

export async function rollupReadings(db: Queryable, resolution: Resolution, num: number, from: number, to: number, limit: number): Promise<RollupPoint[]> {
  return db.query<RollupPoint>(
    `select bucket_ms as ts, vmin as min, vmax as max, vsum / n as avg, n as count from ${TABLE[resolution]}
      where sensor_num = $1 and bucket_ms >= $2 and bucket_ms < $3 order by bucket_ms limit $4`,
    [num, from, to, limit],
  );
}

/** Newest bucket of every sensor since `since` (start of the bucket): last-seen times after a restart. */
export async function recentActivity(db: Queryable, resolution: Resolution, since: number): Promise<{ num: number; ts: number }[]> {
  return db.query<{ num: number; ts: number }>(
    `select sensor_num as num, max(bucket_ms) as ts from ${TABLE[resolution]} where bucket_ms >= $1 group by sensor_num`, [since],
  );
}

/** Deletes what is older than each table's limit; returns rows deleted per table. */
export async function prune(db: Queryable, cutoffs: { raw: number; m1: number; h1: number }): Promise<{ raw: number; m1: number; h1: number }> {
  const count = async (sql: string, cutoff: number) => (await db.query<{ n: number }>(`with d as (${sql} returning 1) select count(*)::int as n from d`, [cutoff]))[0].n;
  return {
    raw: await count('delete from sensing_reading where ts_ms < $1', cutoffs.raw),
    m1: await count('delete from sensing_rollup_1m where bucket_ms < $1', cutoffs.m1),
    h1: await count('delete from sensing_rollup_1h where bucket_ms < $1', cutoffs.h1),
  };
}

/**
 * Each sensor's stored readings newer than its own start, in (sensor, ts) order: what a node
 * taking over sensors from another evaluates again.
 */
export async function readingsAfter(db: Queryable, nums: readonly number[], after: readonly number[]): Promise<{ num: number; ts: number; value: number }[]> {
  return db.query<{ num: number; ts: number; value: number }>(
    `select r.sensor_num as num, r.ts_ms as ts, r.value from unnest($1::int4[], $2::int8[]) as s(num, after)
       join sensing_reading r on r.sensor_num = s.num and r.ts_ms > s.after
     order by r.sensor_num, r.ts_ms`,
    [nums, after.map((t) => Math.floor(t))],
  );
}
