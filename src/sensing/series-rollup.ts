/**
 * 1-minute and 1-hour rollups (min, max, sum, count) kept as deltas in memory and merged
 * into their tables by a periodic flush. Deltas merge exactly (sums and counts add, minima
 * and maxima compare), so a late reading lands in its own bucket whenever it arrives.
 */

export interface Agg { min: number; max: number; sum: number; n: number }

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** Bucket index below 2^26 (minutes until 2097), sensor number below 2^27: the key stays a safe integer. */
const SPAN = 2 ** 26;

export const bucketKey = (num: number, bucketIndex: number): number => num * SPAN + bucketIndex;
export const keyNum = (key: number): number => Math.floor(key / SPAN);
export const keyBucketIndex = (key: number): number => key % SPAN;

export interface RollupDeltas { m1: Map<number, Agg>; h1: Map<number, Agg> }

export class RollupBuffer {
  #m1 = new Map<number, Agg>();
  #h1 = new Map<number, Agg>();

  get size(): number {
    return this.#m1.size + this.#h1.size;
  }

  add(nums: ArrayLike<number>, ts: ArrayLike<number>, values: ArrayLike<number>, n: number): void {
    for (let i = 0; i < n; i++) {
      fold(this.#m1, bucketKey(nums[i], Math.floor(ts[i] / MINUTE_MS)), values[i]);
      fold(this.#h1, bucketKey(nums[i], Math.floor(ts[i] / HOUR_MS)), values[i]);
    }
  }

  /** Takes the deltas for flushing; `restore` puts them back if the flush failed. */
  take(): RollupDeltas {
    const taken = { m1: this.#m1, h1: this.#h1 };
    this.#m1 = new Map();
    this.#h1 = new Map();
    return taken;
  }

  restore(deltas: RollupDeltas): void {
    for (const [key, agg] of deltas.m1) merge(this.#m1, key, agg);
    for (const [key, agg] of deltas.h1) merge(this.#h1, key, agg);
  }
}

function fold(map: Map<number, Agg>, key: number, value: number): void {
  const agg = map.get(key);
  if (!agg) {
    map.set(key, { min: value, max: value, sum: value, n: 1 });
    return;
  }
  if (value < agg.min) agg.min = value;
  if (value > agg.max) agg.max = value;
  agg.sum += value;
  agg.n++;
}

function merge(map: Map<number, Agg>, key: number, other: Agg): void {
  const agg = map.get(key);
  if (!agg) {
    map.set(key, other);
    return;
  }
  agg.min = Math.min(agg.min, other.min);
  agg.max = Math.max(agg.max, other.max);
  agg.sum += other.sum;
  agg.n += other.n;
}
