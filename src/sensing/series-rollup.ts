/**
 * 1-minute and 1-hour rollups (min, max, sum, count) kept as deltas in memory and merged
 * into their tables by a periodic flush. Deltas merge exactly (sums and counts add, minima
 * and maxima compare), so a late reading lands in its own bucket whenever it arrives.
 *
 * Each sensor's newest bucket of each resolution lives in typed arrays indexed by sensor
 * number, so a reading in the hot path costs a few array writes; a bucket moves to the maps
 * of deltas when the sensor's next bucket starts or at the flush, and a late reading (for an
 * older bucket) folds into the maps directly.
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

/** The newest bucket per sensor number for one resolution (bucket index 0: none). */
class Current {
  readonly #ms: number;
  #bucket = new Float64Array(1024);
  #min = new Float64Array(1024);
  #max = new Float64Array(1024);
  #sum = new Float64Array(1024);
  #n = new Float64Array(1024);
  /** Sensor numbers holding a bucket, each once. */
  #held: number[] = [];

  constructor(ms: number) {
    this.#ms = ms;
  }

  add(num: number, ts: number, value: number, spill: Map<number, Agg>): void {
    if (num >= this.#bucket.length) this.#grow(num);
    const b = Math.floor(ts / this.#ms);
    const cur = this.#bucket[num];
    if (b === cur) {
      if (value < this.#min[num]) this.#min[num] = value;
      if (value > this.#max[num]) this.#max[num] = value;
      this.#sum[num] += value;
      this.#n[num]++;
      return;
    }
    if (b < cur) {
      fold(spill, bucketKey(num, b), value);
      return;
    }
    if (cur === 0) this.#held.push(num);
    else this.#spillOne(num, spill);
    this.#bucket[num] = b;
    this.#min[num] = value;
    this.#max[num] = value;
    this.#sum[num] = value;
    this.#n[num] = 1;
  }

  get held(): number {
    return this.#held.length;
  }

  /** Moves every held bucket into `spill`. */
  spillAll(spill: Map<number, Agg>): void {
    for (const num of this.#held) {
      this.#spillOne(num, spill);
      this.#bucket[num] = 0;
    }
    this.#held = [];
  }

  #spillOne(num: number, spill: Map<number, Agg>): void {
    merge(spill, bucketKey(num, this.#bucket[num]), { min: this.#min[num], max: this.#max[num], sum: this.#sum[num], n: this.#n[num] });
  }

  #grow(num: number): void {
    const size = capacityFor(num, this.#bucket.length);
    const grown = (a: Float64Array) => grownArray(a, size);
    this.#bucket = grown(this.#bucket);
    this.#min = grown(this.#min);
    this.#max = grown(this.#max);
    this.#sum = grown(this.#sum);
    this.#n = grown(this.#n);
  }
}

export class RollupBuffer {
  #m1 = new Map<number, Agg>();
  #h1 = new Map<number, Agg>();
  readonly #m1Current = new Current(MINUTE_MS);
  readonly #h1Current = new Current(HOUR_MS);

  /** Buckets waiting for the flush. */
  get size(): number {
    return this.#m1.size + this.#h1.size + this.#m1Current.held + this.#h1Current.held;
  }

  add(nums: ArrayLike<number>, ts: ArrayLike<number>, values: ArrayLike<number>, n: number): void {
    for (let i = 0; i < n; i++) {
      this.#m1Current.add(nums[i], ts[i], values[i], this.#m1);
      this.#h1Current.add(nums[i], ts[i], values[i], this.#h1);
    }
  }

  /** Takes the deltas for flushing; `restore` puts them back if the flush failed. */
  take(): RollupDeltas {
    this.#m1Current.spillAll(this.#m1);
    this.#h1Current.spillAll(this.#h1);
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

/** The length, doubling from `length`, that holds index `num`. */
export function capacityFor(num: number, length: number): number {
  let size = length;
  while (size <= num) size *= 2;
  return size;
}

/** A copy of `a` in a longer array of `size` (the new slots are 0), for per-sensor columns that grow. */
export function grownArray(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(size);
  next.set(a);
  return next;
}
