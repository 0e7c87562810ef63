import { describe, expect, it } from 'vitest';
import { AnomalyDetector } from '../../src/sensing/anomaly.ts';

// A deterministic noisy series: a daily-ish sine plus pseudo-random noise.
function series(n: number, seed = 1): number[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  return Array.from({ length: n }, (_, i) => 50 + 5 * Math.sin(i / 20) + rand());
}

describe('AnomalyDetector', () => {
  it('scores in [0,1], stays low on ordinary noise and high on a spike', () => {
    const d = new AnomalyDetector();
    const xs = series(600);
    const scores = xs.map((v, i) => d.score(i * 60_000, v));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    const ordinary = scores.slice(100).filter((s) => s > 0.9).length;
    expect(ordinary).toBeLessThan(6);
    expect(d.score(600 * 60_000, 150)).toBeGreaterThan(0.95);
  });

  it('scores nothing while it is still learning', () => {
    const d = new AnomalyDetector({ warmup: 10 });
    const scores = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1000].map((v, i) => d.score(i, v));
    expect(scores.every((s) => s === 0)).toBe(true);
  });

  it('flags a change on a flat series', () => {
    const d = new AnomalyDetector({ warmup: 5 });
    for (let i = 0; i < 50; i++) expect(d.score(i, 20)).toBe(0);
    expect(d.score(50, 20.5)).toBeGreaterThan(0.99);
  });

  it('ignores non-finite values', () => {
    const d = new AnomalyDetector({ warmup: 3 });
    for (let i = 0; i < 20; i++) d.score(i, 10 + (i % 3));
    expect(d.score(20, Number.NaN)).toBe(0);
    expect(d.score(21, Number.POSITIVE_INFINITY)).toBe(0);
    expect((d.toJSON() as { seen: number }).seen).toBe(20);
  });

  it('survives a JSON round trip with identical scores', () => {
    const xs = series(400, 7);
    const a = new AnomalyDetector();
    xs.slice(0, 250).forEach((v, i) => a.score(i, v));
    const b = AnomalyDetector.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 250; i < 400; i++) expect(b.score(i, xs[i])).toBe(a.score(i, xs[i]));
  });

  it('rejects bad options and foreign state', () => {
    expect(() => new AnomalyDetector({ window: 2 })).toThrow(RangeError);
    expect(() => AnomalyDetector.fromJSON({ version: 99 })).toThrow(TypeError);
    expect(() => AnomalyDetector.fromJSON(null)).toThrow(TypeError);
  });
});
