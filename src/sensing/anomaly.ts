/**
 * Streaming anomaly score for one sensor series (异常检测). Each point is scored against what the
 * detector learned from the points before it, then learned from: robust centre and spread (median
 * and inter-quartile range) over a rolling window give a robust z-score, mapped into [0,1].
 * State is a short window of values, so thousands of sensors can each hold one and persist it
 * with `toJSON()` / `AnomalyDetector.fromJSON()`.
 */
import { RollingWindow } from './anomaly/window.ts';

export interface AnomalyOptions {
  /** Values in the rolling window the centre and spread are estimated from. */
  window: number;
  /** Points seen before the detector scores anything above 0 (it is still learning). */
  warmup: number;
  /** Robust z-score that maps to 0.5; larger deviations approach 1. */
  halfScoreZ: number;
}

export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = { window: 128, warmup: 24, halfScoreZ: 3 };

interface AnomalyState {
  version: 1;
  options: AnomalyOptions;
  values: number[];
  seen: number;
  lastTs: number | null;
}

// IQR of a normal distribution is 1.349 σ.
const IQR_TO_SIGMA = 1.349;

export class AnomalyDetector {
  readonly options: AnomalyOptions;
  private window: RollingWindow;
  private seen = 0;
  private lastTs: number | null = null;

  constructor(options: Partial<AnomalyOptions> = {}) {
    this.options = { ...DEFAULT_ANOMALY_OPTIONS, ...options };
    const { window, warmup, halfScoreZ } = this.options;
    if (!Number.isInteger(window) || window < 4) throw new RangeError('window must be an integer ≥ 4');
    if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError('warmup must be a non-negative integer');
    if (!(halfScoreZ > 0)) throw new RangeError('halfScoreZ must be positive');
    this.window = new RollingWindow(window);
  }

  /** Anomaly score in [0,1] for this point (after learning from the previous ones). Non-finite values score 0 and are not learned. */
  score(ts: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    const z = this.seen >= Math.max(this.options.warmup, 2) ? this.robustZ(value) : 0;
    this.window.push(value);
    this.seen++;
    this.lastTs = ts;
    return z * z / (z * z + this.options.halfScoreZ * this.options.halfScoreZ);
  }

  private robustZ(value: number): number {
    const median = this.window.quantile(0.5);
    const iqr = this.window.quantile(0.75) - this.window.quantile(0.25);
    // A flat series has no spread: any visible change from it is anomalous, tiny float noise is not.
    const scale = Math.max(iqr / IQR_TO_SIGMA, 1e-6 * Math.abs(median), 1e-9);
    return Math.abs(value - median) / scale;
  }

  toJSON(): AnomalyState {
    return { version: 1, options: { ...this.options }, values: this.window.values(), seen: this.seen, lastTs: this.lastTs };
  }

  static fromJSON(state: unknown): AnomalyDetector {
    const s = state as Partial<AnomalyState> | null;
    if (!s || s.version !== 1 || !Array.isArray(s.values) || typeof s.seen !== 'number') throw new TypeError('not an AnomalyDetector state');
    const detector = new AnomalyDetector(s.options);
    for (const v of s.values) detector.window.push(v);
    detector.seen = s.seen;
    detector.lastTs = s.lastTs ?? null;
    return detector;
  }
}
