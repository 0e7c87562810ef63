import { describe, expect, it } from 'vitest';
import { AnomalyDetector, EPISODE_ANOMALY_OPTIONS } from '../../src/sensing/anomaly.ts';

// A deterministic noisy series: a slow sine plus pseudo-random noise.
function series(n: number, seed = 1): number[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  return Array.from({ length: n }, (_, i) => 50 + 5 * Math.sin(i / 20) + rand());
}

const run = (d: AnomalyDetector, xs: readonly number[], from = 0) => xs.map((v, i) => d.score((from + i) * 60_000, v));

describe('AnomalyDetector', () => {
  it('scores in [0,1], stays low on ordinary noise and high on a spike', () => {
    const d = new AnomalyDetector();
    const scores = run(d, series(600));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores.slice(100).filter((s) => s > 0.9).length).toBeLessThan(6);
    expect(d.score(600 * 60_000, 150)).toBeGreaterThan(0.9);
  });

  it('notices a sustained level shift sooner than any single reading would betray it', () => {
    const d = new AnomalyDetector();
    const xs = series(800, 3);
    const before = run(d, xs.slice(0, 500)).slice(100);
    // Each shifted reading sits within the sine's usual swing plus a little; six in a row do not.
    const shifted = run(d, xs.slice(500, 510).map((v) => v + 8), 500);
    expect(Math.max(...shifted)).toBeGreaterThan(Math.max(...before));
    expect(Math.max(...shifted)).toBeGreaterThan(0.5);
  });

  it('learns a spiky series: a routine spike scores lower once it has been seen many times', () => {
    const d = new AnomalyDetector();
    const spikeScores: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = d.score(i * 60_000, i % 97 === 0 ? 3 : 0);
      if (i % 97 === 0 && i > 0) spikeScores.push(s);
    }
    expect(spikeScores[0]).toBeGreaterThan(0.99);
    expect(spikeScores.at(-1)!).toBeLessThan(spikeScores[0]);
    expect(spikeScores.at(-1)!).toBeLessThan(0.97);
  });

  it('scores nothing while it is still learning', () => {
    const d = new AnomalyDetector({ warmup: 10 });
    expect(run(d, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1000]).every((s) => s === 0)).toBe(true);
  });

  it('flags a change on a flat series', () => {
    const d = new AnomalyDetector({ warmup: 5 });
    expect(run(d, Array(50).fill(20)).every((s) => s === 0)).toBe(true);
    expect(d.score(50, 20.5)).toBeGreaterThan(0.99);
  });

  it('with the episode options, damps the readings after a strong score', () => {
    const plain = new AnomalyDetector();
    const episode = new AnomalyDetector(EPISODE_ANOMALY_OPTIONS);
    const xs = [...series(400, 5), 150, 150, 150, 150];
    const a = run(plain, xs);
    const b = run(episode, xs);
    expect(b[400]).toBe(a[400]);
    expect(a[400]).toBeGreaterThan(EPISODE_ANOMALY_OPTIONS.refractoryScore!);
    expect(a[401]).toBeGreaterThan(0.5);
    for (const i of [401, 402, 403]) expect(b[i]).toBeCloseTo(a[i] / 2, 12);
  });

  it('ignores non-finite values', () => {
    const d = new AnomalyDetector({ warmup: 3 });
    run(d, series(20));
    expect(d.score(20, Number.NaN)).toBe(0);
    expect(d.score(21, Number.POSITIVE_INFINITY)).toBe(0);
    expect((d.toJSON() as { seen: number }).seen).toBe(20);
  });

  it('survives a JSON round trip with identical scores', () => {
    const xs = series(400, 7);
    const a = new AnomalyDetector(EPISODE_ANOMALY_OPTIONS);
    run(a, xs.slice(0, 250));
    const b = AnomalyDetector.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    for (let i = 250; i < 400; i++) expect(b.score(i, xs[i])).toBe(a.score(i, xs[i]));
  });

  it('restores a window-only state from the first release and relearns the rest', () => {
    const xs = series(100);
    const d = AnomalyDetector.fromJSON({ version: 1, options: { window: 64, warmup: 5, halfScoreZ: 3 }, values: xs.slice(0, 64), seen: 64, lastTs: 1 });
    expect(d.options.window).toBe(64);
    run(d, xs.slice(64), 64);
    expect(d.score(100, 150)).toBeGreaterThan(0.5);
  });

  it('works without the level term (a short window of one reading)', () => {
    const d = new AnomalyDetector({ shortWindow: 1 });
    const scores = run(d, [...series(300, 9), 150]);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(scores.at(-1)!).toBeGreaterThan(0.9);
  });

  it('rejects bad options and foreign state', () => {
    expect(() => new AnomalyDetector({ window: 2 })).toThrow(RangeError);
    expect(() => new AnomalyDetector({ refractory: -1 })).toThrow(RangeError);
    expect(() => AnomalyDetector.fromJSON({ version: 99 })).toThrow(TypeError);
    expect(() => AnomalyDetector.fromJSON({ version: 2, values: ['x'], seen: 1 })).toThrow(TypeError);
    expect(() => AnomalyDetector.fromJSON(null)).toThrow(TypeError);
  });
});
