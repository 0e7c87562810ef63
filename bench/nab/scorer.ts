/**
 * Numenta Anomaly Benchmark scoring, written from NAB's published rules (Lavin & Ahmad 2015,
 * NAB v1.1):
 * - each labelled window is a true positive if any detection falls inside it, worth the scaled
 *   sigmoid of the earliest detection's position (1 at the window's left edge, 0 at its right
 *   edge); a window without a detection costs the false-negative weight;
 * - every detection outside a window costs the false-positive weight times the scaled sigmoid of
 *   its distance past the previous window (the full weight when there is no previous window);
 * - the first 15 % of each file (at most 750 rows) is a probationary period that is not scored;
 * - one threshold per detector is chosen to maximise the summed raw score over all files;
 * - the reported score is 100 × (raw − null) / (perfect − null), where the null detector never
 *   fires usefully and the perfect detector hits every window at its left edge.
 */
import { type LabelledSeries } from './corpus.ts';

export interface CostProfile { tp: number; fp: number; fn: number }

/** NAB's standard application profile (A_TP = 1, A_FP = −0.11, A_FN = −1). */
export const STANDARD_PROFILE: CostProfile = { tp: 1, fp: 0.11, fn: 1 };

export const PROBATION_PERCENT = 0.15;

export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

export function probationLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * 5000);
}

/** One scored row: its detector score, what a detection there would be worth, and its window (−1 outside). */
interface Row { score: number; worth: number; window: number }

/** Rows after probation with their worth if detected; window ids are global across files. */
function sweepRows(series: LabelledSeries, scores: readonly number[], profile: CostProfile, windowBase: number): { rows: Row[]; windows: number[] } {
  if (scores.length !== series.values.length) throw new Error(`${series.name}: ${scores.length} scores for ${series.values.length} rows`);
  const maxTp = scaledSigmoid(-1);
  const probation = probationLength(scores.length);
  const rows: Row[] = [];
  const scorable = new Set<number>();
  let w = 0;
  let prevEnd = -1;
  let prevWidth = 0;
  for (let i = 0; i < scores.length; i++) {
    while (w < series.windows.length && series.windows[w][1] < i) {
      prevEnd = series.windows[w][1];
      prevWidth = series.windows[w][1] - series.windows[w][0] + 1;
      w++;
    }
    const inside = w < series.windows.length && series.windows[w][0] <= i;
    let worth: number;
    if (inside) {
      const [start, end] = series.windows[w];
      worth = (scaledSigmoid(-(end - i + 1) / (end - start + 1)) * profile.tp) / maxTp;
    } else {
      const position = prevEnd < 0 ? 3 : Math.abs(prevEnd - i) / (prevWidth - 1);
      worth = scaledSigmoid(position) * profile.fp;
    }
    if (i < probation) continue;
    const id = inside ? windowBase + w : -1;
    if (inside) scorable.add(id);
    rows.push({ score: scores[i], worth, window: id });
  }
  return { rows, windows: [...scorable] };
}

export interface FileResult {
  name: string;
  score: number;
  /** Detections inside windows / outside windows / windows missed, after probation. */
  tp: number;
  fp: number;
  fn: number;
  windows: number;
}

/** Raw NAB score of one file at a threshold (a row is a detection when its score ≥ threshold). */
export function scoreFile(series: LabelledSeries, scores: readonly number[], threshold: number, profile = STANDARD_PROFILE): FileResult {
  const { rows, windows } = sweepRows(series, scores, profile, 0);
  const best = new Map<number, number>(windows.map((id) => [id, -profile.fn]));
  let fpSum = 0;
  let tp = 0;
  let fp = 0;
  for (const row of rows) {
    if (!(row.score >= threshold)) continue;
    if (row.window < 0) {
      fp++;
      fpSum += row.worth;
    } else {
      tp++;
      best.set(row.window, Math.max(best.get(row.window)!, row.worth));
    }
  }
  let score = fpSum;
  let fn = 0;
  for (const v of best.values()) {
    score += v;
    if (v === -profile.fn) fn++;
  }
  return { name: series.name, score, tp, fp, fn, windows: windows.length };
}

/**
 * The threshold that maximises the summed raw score over every file (NAB's optimiser: sweep the
 * distinct scores from high to low; ties go to the higher threshold).
 */
export function optimiseThreshold(corpus: readonly LabelledSeries[], scores: ReadonlyArray<readonly number[]>, profile = STANDARD_PROFILE): { threshold: number; score: number } {
  const rows: Row[] = [];
  const best = new Map<number, number>();
  let base = 0;
  corpus.forEach((series, k) => {
    const swept = sweepRows(series, scores[k], profile, base);
    base += series.windows.length;
    rows.push(...swept.rows);
    for (const id of swept.windows) best.set(id, -profile.fn);
  });
  rows.sort((a, b) => b.score - a.score);
  let windowSum = -profile.fn * best.size;
  let fpSum = 0;
  let top = { threshold: 1.1, score: windowSum };
  for (let i = 0; i < rows.length; ) {
    const threshold = rows[i].score;
    for (; i < rows.length && rows[i].score === threshold; i++) {
      const row = rows[i];
      if (row.window < 0) {
        fpSum += row.worth;
      } else {
        const was = best.get(row.window)!;
        if (row.worth > was) {
          best.set(row.window, row.worth);
          windowSum += row.worth - was;
        }
      }
    }
    if (windowSum + fpSum > top.score) top = { threshold, score: windowSum + fpSum };
  }
  return top;
}

export interface DetectorResult {
  threshold: number;
  raw: number;
  /** Normalised NAB score: 0 = null detector, 100 = perfect detector. */
  score: number;
  files: FileResult[];
}

/** A detector that outputs the same score everywhere: NAB's zero point. */
export function nullScores(corpus: readonly LabelledSeries[]): number[][] {
  return corpus.map((s) => s.values.map(() => 0.5));
}

export function evaluate(corpus: readonly LabelledSeries[], scores: ReadonlyArray<readonly number[]>, profile = STANDARD_PROFILE): DetectorResult {
  const { threshold } = optimiseThreshold(corpus, scores, profile);
  const files = corpus.map((s, k) => scoreFile(s, scores[k], threshold, profile));
  const raw = files.reduce((sum, f) => sum + f.score, 0);
  const nullRaw = optimiseThreshold(corpus, nullScores(corpus), profile).score;
  const perfect = corpus.reduce((sum, s) => sum + s.windows.length, 0) * profile.tp;
  return { threshold, raw, score: (100 * (raw - nullRaw)) / (perfect - nullRaw), files };
}
