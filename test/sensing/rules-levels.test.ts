import { describe, expect, it } from 'vitest';
import { compileSpec, newLevelState, stepLevel } from '../../src/sensing/rules/levels.ts';
import type { LevelSpec } from '../../src/sensing/rules/model.ts';
import { dropPct, pushSample, rateOver, risePct } from '../../src/sensing/rules/windows.ts';

const S = 1000;
const gas: LevelSpec = { direction: 'above', thresholds: { blue: 5, yellow: 10, orange: 20, red: 25 }, hysteresis: 1, create: { mode: 'immediate' }, clearSeconds: 60 };

/** Feeds [seconds, value] pairs and returns the level after each. */
function run(spec: LevelSpec, points: [number, number][]): number[] {
  const compiled = compileSpec(spec);
  const s = newLevelState();
  return points.map(([t, v]) => {
    stepLevel(compiled, s, t * S, v);
    return s.level;
  });
}

describe('four-colour level machine', () => {
  it('reaches a level exactly at its threshold, not a hair below', () => {
    expect(run(gas, [[0, 4.999], [1, 5], [2, 9.99], [3, 10], [4, 25]])).toEqual([0, 1, 1, 2, 4]);
  });

  it('sustained: just short of the duration raises nothing, exactly the duration raises', () => {
    const spec: LevelSpec = { ...gas, create: { mode: 'sustained', seconds: 30 } };
    expect(run(spec, [[0, 12], [29, 12]])).toEqual([0, 0]);
    expect(run(spec, [[0, 12], [30, 12]])).toEqual([0, 2]);
    expect(run(spec, [[0, 12], [31, 12]])).toEqual([0, 2]);
    // A dip below the threshold restarts the count.
    expect(run(spec, [[0, 12], [20, 4], [31, 12], [50, 12], [61, 12]])).toEqual([0, 0, 0, 0, 2]);
    // Yellow held long enough while red only just started: yellow, then red once it has held.
    expect(run(spec, [[0, 12], [30, 26], [59, 26], [60, 26]])).toEqual([0, 2, 2, 4]);
  });

  it('repeated: N hits inside the window raise, N-1 or hits spread wider than the window do not', () => {
    const spec: LevelSpec = { ...gas, create: { mode: 'repeated', count: 3, windowSeconds: 60 } };
    expect(run(spec, [[0, 11], [10, 2], [20, 11], [30, 2]])).toEqual([0, 0, 0, 0]);
    expect(run(spec, [[0, 11], [10, 2], [20, 11], [59, 11]])).toEqual([0, 0, 0, 2]);
    // The first hit is exactly a window old when the third comes: it no longer counts.
    expect(run(spec, [[0, 11], [20, 11], [60, 11]])).toEqual([0, 0, 0]);
  });

  it('clears only outside the hysteresis band and only after the clear duration', () => {
    // Yellow at 10, clear threshold 9: 9.5 is inside the band and holds yellow for ever.
    expect(run(gas, [[0, 10], [10, 9.5], [100, 9.5], [200, 9]])).toEqual([2, 2, 2, 2]);
    // 8.9 is outside: held 59 s still yellow, 60 s drops to what the value holds (blue).
    expect(run(gas, [[0, 10], [10, 8.9], [69, 8.9], [70, 8.9]])).toEqual([2, 2, 2, 1]);
    // Back inside the band before the duration: the clear count restarts.
    expect(run(gas, [[0, 10], [10, 8], [40, 9.2], [50, 8], [109, 8], [110, 8]])).toEqual([2, 2, 2, 2, 2, 1]);
    // Down to nothing at once when the value falls below every clear threshold.
    expect(run(gas, [[0, 26], [10, 0], [70, 0]])).toEqual([4, 4, 0]);
    // Red to orange: 23 is below red's clear (24) but above orange's (19).
    expect(run(gas, [[0, 26], [10, 23], [70, 23]])).toEqual([4, 4, 3]);
  });

  it('below: low pressure levels mirror the above ones, with hysteresis upwards', () => {
    const spec: LevelSpec = { direction: 'below', thresholds: { yellow: 0.16, red: 0.08 }, hysteresis: 0.02, create: { mode: 'immediate' }, clearSeconds: 0 };
    // On the clear threshold (0.18) still holds; past it (0.185) clears.
    expect(run(spec, [[0, 0.2], [1, 0.16], [2, 0.18], [3, 0.185], [4, 0.08], [5, 0.095], [6, 0.105]])).toEqual([0, 2, 2, 0, 4, 4, 2]);
  });
});

describe('sample windows', () => {
  it('computes a rate over the window once enough span is there, and thins old samples', () => {
    const w: number[] = [];
    const hour = 3600 * S;
    const day = 24 * hour;
    for (let h = 0; h <= 30; h++) pushSample(w, day, h * hour, h * 0.25);
    // 0.25 mm per hour = 6 mm/day; samples older than a day are gone.
    expect(rateOver(w, 30 * hour, 7.5, day, 6 * hour)).toBeCloseTo(6, 6);
    expect(w[0]).toBeGreaterThanOrEqual(6 * hour);
    expect(rateOver([0, 1], 5 * hour, 2, day, 6 * hour)).toBeUndefined();
  });

  it('measures drop from the high and rise from the low', () => {
    expect(dropPct([0, 0.4, 1, 0.35], 0.3)).toBeCloseTo(25, 6);
    expect(risePct([0, 100, 1, 120], 150)).toBeCloseTo(50, 6);
  });
});
