/**
 * SQL of ingest. A batch goes in by binary COPY (the cheapest bulk path of PostgreSQL, on both
 * deployments); COPY cannot skip rows already stored, so a batch meeting the primary key on
 * (sensor, ts) fails as a whole and is written again by a multi-row insert that drops the
 * duplicates (array literals built here, several times cheaper than the driver's generic array
 * encoding). Plus the per-source counters.
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

/** Bytes of the binary COPY format: signature, flags, header extension length. */
const COPY_HEADER = Buffer.from('PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0', 'latin1');
/** Per row: field count, then (length, value) of int4, int8, float8. */
const ROW_BYTES = 2 + 4 + 4 + 4 + 8 + 4 + 8;

/** Readings in PostgreSQL's binary COPY format, for `sensing_reading (sensor_num, ts_ms, value)`. */
export function encodeReadings(nums: ArrayLike<number>, ts: ArrayLike<number>, values: ArrayLike<number>, n: number): Buffer {
  const buf = Buffer.allocUnsafe(COPY_HEADER.length + n * ROW_BYTES + 2);
  COPY_HEADER.copy(buf, 0);
  let o = COPY_HEADER.length;
  for (let i = 0; i < n; i++, o += ROW_BYTES) {
    buf.writeInt16BE(3, o);
    buf.writeInt32BE(4, o + 2);
    buf.writeInt32BE(nums[i], o + 6);
    buf.writeInt32BE(8, o + 10);
    // Epoch ms fit 2^53: the high and low words of the int8.
    const t = ts[i];
    const high = Math.floor(t / 4294967296);
    buf.writeInt32BE(high, o + 14);
    buf.writeUInt32BE(t - high * 4294967296, o + 18);
    buf.writeInt32BE(8, o + 22);
    buf.writeDoubleBE(values[i], o + 26);
  }
  buf.writeInt16BE(-1, o);
  return buf;
}

const UNIQUE_VIOLATION = '23505';

/** Whether a failed COPY met a reading already stored (write the batch again with `insertReadings`). */
export const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;

/** Readings known to be new by COPY (the insert below without COPY); a reading stored already fails it with a duplicate-key error. */
export async function copyReadings(tx: Queryable, nums: ArrayLike<number>, ts: ArrayLike<number>, values: ArrayLike<number>, n: number): Promise<void> {
  if (tx.copyIn) await tx.copyIn('sensing_reading (sensor_num, ts_ms, value)', encodeReadings(nums, ts, values, n));
  else await insertReadings(tx, nums, ts, values, n);
}

/**
 * Stores a batch sorted and free of in-batch duplicates. With `mayRepeat` (1 where this process
 * has stored a reading of the sensor as new or newer), the others go by COPY and the marked ones
 * by the insert that skips repeats; without it, all by that insert. Returns which readings
 * were new (null: all of them).
 */
export async function storeReadings(
  tx: Queryable, nums: Int32Array, ts: Float64Array, values: Float64Array, n: number, mayRepeat: Uint8Array | null,
): Promise<Uint8Array | null> {
  if (n === 0) return null;
  if (!mayRepeat) return newOnes(nums, ts, n, await insertReadings(tx, nums, ts, values, n), null);
  let repeats = 0;
  for (let i = 0; i < n; i++) repeats += mayRepeat[i];
  if (repeats === 0) {
    await copyReadings(tx, nums, ts, values, n);
    return null;
  }
  const fresh = { nums: new Int32Array(n - repeats), ts: new Float64Array(n - repeats), values: new Float64Array(n - repeats) };
  const again = { nums: new Int32Array(repeats), ts: new Float64Array(repeats), values: new Float64Array(repeats) };
  for (let i = 0, f = 0, a = 0; i < n; i++) {
    const to = mayRepeat[i] ? again : fresh;
    const k = mayRepeat[i] ? a++ : f++;
    to.nums[k] = nums[i];
    to.ts[k] = ts[i];
    to.values[k] = values[i];
  }
  if (n > repeats) await copyReadings(tx, fresh.nums, fresh.ts, fresh.values, n - repeats);
  return newOnes(nums, ts, n, await insertReadings(tx, again.nums, again.ts, again.values, repeats), mayRepeat);
}

/** Which readings were new, from the keys an insert reports (only readings marked in `among`, when given, were inserted by it). */
function newOnes(nums: Int32Array, ts: Float64Array, n: number, result: InsertResult, among: Uint8Array | null): Uint8Array | null {
  if (!result.keys) return null;
  const stored = new Set(result.keys.nums.map((num, i) => `${num}:${result.keys!.ts[i]}`));
  const isNew = new Uint8Array(n);
  for (let i = 0; i < n; i++) isNew[i] = among && !among[i] ? 1 : stored.has(`${nums[i]}:${ts[i]}`) ? 1 : 0;
  return isNew;
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
