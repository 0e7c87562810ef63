/**
 * A fixed-capacity rolling window of numbers kept both in arrival order (a ring) and sorted, so
 * that quantiles are O(1) reads and each push is a binary search plus one short memmove.
 */
export class RollingWindow {
  readonly capacity: number;
  private ring: number[] = [];
  private head = 0;
  private sorted: number[] = [];

  constructor(capacity: number, values: readonly number[] = []) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('window capacity must be a positive integer');
    this.capacity = capacity;
    for (const v of values.slice(-capacity)) this.push(v);
  }

  get size(): number {
    return this.ring.length;
  }

  push(value: number): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(value);
    } else {
      const old = this.ring[this.head];
      this.ring[this.head] = value;
      this.head = (this.head + 1) % this.capacity;
      this.sorted.splice(lowerBound(this.sorted, old), 1);
    }
    this.sorted.splice(lowerBound(this.sorted, value), 0, value);
  }

  /** Linear-interpolated quantile, q in [0,1]; NaN when empty. */
  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return NaN;
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    return this.sorted[lo] + (this.sorted[hi] - this.sorted[lo]) * (pos - lo);
  }

  /** Mean of the newest k values (fewer when the window holds fewer). */
  recentMean(k: number): number {
    const n = Math.min(k, this.ring.length);
    let sum = 0;
    for (let i = 1; i <= n; i++) sum += this.ring[(this.head - i + this.ring.length * 2) % this.ring.length];
    return sum / n;
  }

  /** Values oldest first (the serialised form). */
  values(): number[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
