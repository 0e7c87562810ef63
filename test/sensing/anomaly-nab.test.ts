import { describe, expect, it } from 'vitest';
import { loadCorpus, parseSeries, type LabelledSeries } from '../../bench/nab/corpus.ts';
import { PUBLISHED_WINDOWED_GAUSSIAN } from '../../bench/nab/published.ts';
import { evaluate, nullScores, optimiseThreshold, probationLength, scaledSigmoid, scoreFile } from '../../bench/nab/scorer.ts';
import { windowedGaussianScores } from '../../bench/nab/windowed-gaussian.ts';

// 100 rows (probation 15), one window over rows 40–59.
const series: LabelledSeries = { name: 'test/one.csv', category: 'test', values: Array(100).fill(0), windows: [[40, 59]] };
const detections = (...rows: number[]) => series.values.map((_, i) => (rows.includes(i) ? 1 : 0));

describe('NAB scoring rules', () => {
  it('scales detections by their position in the window', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('has a probationary period of 15 % of the file, at most 750 rows', () => {
    expect(probationLength(1000)).toBe(150);
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(22695)).toBe(750);
  });

  it('rewards the earliest detection in a window and counts it once', () => {
    expect(scoreFile(series, detections(40), 1).score).toBeCloseTo(1, 12);
    expect(scoreFile(series, detections(40, 45, 50), 1)).toMatchObject({ tp: 3, fp: 0, fn: 0 });
    expect(scoreFile(series, detections(40, 45, 50), 1).score).toBeCloseTo(1, 12);
    expect(scoreFile(series, detections(59), 1).score).toBeCloseTo((2 / (1 + Math.exp(-0.25)) - 1) / scaledSigmoid(-1), 12);
  });

  it('charges a missed window and every false positive, less so just after a window', () => {
    expect(scoreFile(series, detections(), 1)).toMatchObject({ score: -1, fn: 1 });
    expect(scoreFile(series, detections(20), 1).score).toBeCloseTo(-1 - 0.11, 12);
    const justAfter = scoreFile(series, detections(61), 1).score;
    const later = scoreFile(series, detections(90), 1).score;
    expect(justAfter).toBeCloseTo(-1 + 0.11 * (2 / (1 + Math.exp((5 * 2) / 19)) - 1), 12);
    expect(justAfter).toBeGreaterThan(later);
    // Detections in the probationary period are not scored at all.
    expect(scoreFile(series, detections(3), 1)).toMatchObject({ score: -1, fp: 0 });
  });

  it('chooses the threshold that maximises the raw score over all files', () => {
    const scores = series.values.map((_, i) => (i === 42 ? 0.9 : i === 80 ? 0.7 : 0.1));
    expect(optimiseThreshold([series], [scores])).toEqual({ threshold: 0.9, score: scoreFile(series, scores, 0.9).score });
    // Nothing worth detecting: the best is to detect nothing (NAB's start threshold 1.1).
    expect(optimiseThreshold([series], [nullScores([series])[0]]).threshold).toBe(1.1);
  });

  it('normalises to 0 for the null detector and 100 for the perfect one', () => {
    expect(evaluate([series], nullScores([series])).score).toBe(0);
    expect(evaluate([series], [detections(40)]).score).toBeCloseTo(100, 9);
  });
});

describe('shipped NAB series', () => {
  const corpus = loadCorpus();

  it('parse with their windows, and reproduce NAB’s published Windowed Gaussian results file by file', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(6);
    for (const s of corpus) {
      const published = PUBLISHED_WINDOWED_GAUSSIAN[s.name];
      expect(published, s.name).toBeDefined();
      const mine = scoreFile(s, windowedGaussianScores(s.values), 1.0);
      expect({ name: s.name, tp: mine.tp, fp: mine.fp }).toEqual({ name: s.name, tp: published.tp, fp: published.fp });
      expect(mine.score).toBeCloseTo(published.score, 6);
    }
  });

  it('reads the compact format: windows, runs and scale', () => {
    const s = parseSeries('x/y.csv', '# scale: 0.5\n2 [ 4*3 ] 6\n');
    expect(s.values).toEqual([1, 2, 2, 2, 3]);
    expect(s.windows).toEqual([[1, 3]]);
    expect(() => parseSeries('x/y.csv', '1 [ 2')).toThrow(/left open/);
    expect(() => parseSeries('x/y.csv', '1 two')).toThrow(/bad value/);
  });
});
