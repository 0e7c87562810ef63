/**
 * Compact time windows of samples for rate-of-change and burst rules: a flat array
 * [ts0, v0, ts1, v1, …] thinned to at most ~SLOTS samples per window, so a day-long window
 * of a sensor reporting every second stays a few hundred numbers.
 */

const SLOTS = 32;

/** Adds a sample (if the last kept one is old enough) and drops those older than the window. Returns true when the window changed. */
export function pushSample(samples: number[], windowMs: number, ts: number, value: number): boolean {
  let changed = false;
  const n = samples.length;
  if (n === 0 || ts - samples[n - 2] >= windowMs / SLOTS) {
    samples.push(ts, value);
    changed = true;
  }
  let drop = 0;
  while (drop + 2 < samples.length && samples[drop] < ts - windowMs) drop += 2;
  if (drop) {
    samples.splice(0, drop);
    changed = true;
  }
  return changed;
}

/** Change per `perMs` between the oldest kept sample and (ts, value); undefined while the span is short of `minSpanMs`. */
export function rateOver(samples: readonly number[], ts: number, value: number, perMs: number, minSpanMs: number): number | undefined {
  if (samples.length < 2) return undefined;
  const span = ts - samples[0];
  if (span <= 0 || span < minSpanMs) return undefined;
  return ((value - samples[1]) / span) * perMs;
}

/** Percent drop from the window's highest value to `value` (≥ 0). */
export function dropPct(samples: readonly number[], value: number): number {
  let max = value;
  for (let i = 1; i < samples.length; i += 2) if (samples[i] > max) max = samples[i];
  return max > 0 ? ((max - value) / max) * 100 : 0;
}

/** Percent rise from the window's lowest value to `value` (≥ 0). */
export function risePct(samples: readonly number[], value: number): number {
  let min = value;
  for (let i = 1; i < samples.length; i += 2) if (samples[i] < min) min = samples[i];
  return min > 0 ? ((value - min) / min) * 100 : value > 0 ? Number.POSITIVE_INFINITY : 0;
}
