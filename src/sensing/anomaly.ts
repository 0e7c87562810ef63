/**
 * Streaming anomaly score for one sensor series (异常检测), in two stages:
 *
 * 1. Surprise: how far the newest value, and the mean of the last few values, sit from the
 *    median of a rolling window, in robust standard deviations (inter-quartile range, with an
 *    exponentially weighted mean absolute deviation as the floor for sparse or flat series).
 *    The point term catches spikes and drops, the short-mean term level shifts and bursts.
 * 2. Likelihood: the surprise is compared with the series' own recent surprises (exponentially
 *    weighted mean and variance of its logarithm), so a noisy series and a quiet one are judged
 *    on the same scale — the idea behind Numenta's anomaly likelihood.
 *
 * The resulting z maps to [0,1] as z²/(z² + halfScoreZ²): with the default 1.5, ordinary
 * readings mostly stay below 0.5, a 5σ reading on a Gaussian series scores about 0.75 and a
 * 20σ spike above 0.9.
 * Optionally the detector holds back for a refractory period after a strong score, so one
 * episode raises one alarm, not a storm. Each reading costs one binary search and a short
 * memmove in the window; the state is the window plus a handful of numbers (`toJSON()`).
 */
import { RollingWindow } from './anomaly/window.ts';

export interface AnomalyOptions {
  /** Values in the rolling window the median and spread are estimated from. */
  window: number;
  /** Points seen before the detector scores anything above 0 (it is still learning). */
  warmup: number;
  /** Likelihood z that maps to a score of 0.5; larger deviations approach 1. */
  halfScoreZ: number;
  /** Newest values averaged for the level-shift term. */
  shortWindow: number;
  /** Points over which the typical surprise is remembered (exponential half-life). */
  historyHalfLife: number;
  /** Points after a score of at least `refractoryScore` during which scores are damped (0: never). */
  refractory: number;
  /** Score that starts a refractory period. */
  refractoryScore: number;
}

/**
 * Defaults: every reading gets its own score, so the rules engine's thresholds, repeat counts and
 * hysteresis (src/sensing/rules) decide what an alarm is.
 */
export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = {
  window: 200, warmup: 24, halfScoreZ: 1.5, shortWindow: 6, historyHalfLife: 400, refractory: 0, refractoryScore: 0.85,
};

/**
 * For a consumer that alarms on the score directly and wants one alarm per episode: after a
 * score of 0.85 or more, the next 100 readings score at most half (what the Numenta Anomaly
 * Benchmark rewards — see bench/anomaly-nab.ts).
 */
export const EPISODE_ANOMALY_OPTIONS: Partial<AnomalyOptions> = { refractory: 100, refractoryScore: 0.85 };

interface AnomalyState {
  version: 2;
  options: AnomalyOptions;
  values: number[];
  seen: number;
  lastTs: number | null;
  absDev: number;
  surpriseMean: number;
  surpriseVar: number;
  surprises: number;
  quiet: number;
}

// IQR of a normal distribution is 1.349 σ; its mean absolute deviation is 0.798 σ.
const IQR_TO_SIGMA = 1.349;
const MEAN_ABS_DEV_TO_SIGMA = 1.2533;
const REFRACTORY_DAMPING = 0.5;

/** An exponential average's weight for the nth sample: a plain mean until it reaches `rate`. */
function learningRate(n: number, rate: number): number {
  return Math.max(rate, 1 / (n + 1));
}
// Surprise is log(1 + robust z), so its spread is scale-free: below a tenth of a log unit the
// differences are noise, whatever the sensor measures (and a flat series has no spread at all).
const SURPRISE_SD_FLOOR = 0.1;

export class AnomalyDetector {
  readonly options: AnomalyOptions;
  private window: RollingWindow;
  private seen = 0;
  private lastTs: number | null = null;
  private absDev = 0;
  private surpriseMean = 0;
  private surpriseVar = 0;
  private surprises = 0;
  private quiet = 0;

  constructor(options: Partial<AnomalyOptions> = {}) {
    this.options = { ...DEFAULT_ANOMALY_OPTIONS, ...options };
    const o = this.options;
    if (!Number.isInteger(o.window) || o.window < 4) throw new RangeError('window must be an integer ≥ 4');
    if (!Number.isInteger(o.warmup) || o.warmup < 0) throw new RangeError('warmup must be a non-negative integer');
    if (!(o.halfScoreZ > 0)) throw new RangeError('halfScoreZ must be positive');
    if (!Number.isInteger(o.shortWindow) || o.shortWindow < 1) throw new RangeError('shortWindow must be a positive integer');
    if (!(o.historyHalfLife >= 1)) throw new RangeError('historyHalfLife must be at least 1');
    if (!Number.isInteger(o.refractory) || o.refractory < 0) throw new RangeError('refractory must be a non-negative integer');
    this.window = new RollingWindow(o.window);
  }

  /** Anomaly score in [0,1] for this point (after learning from the previous ones). Non-finite values score 0 and are not learned. */
  score(ts: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    const o = this.options;
    let score = 0;
    if (this.window.size > 0) {
      const median = this.window.quantile(0.5);
      if (this.seen >= Math.max(o.warmup, 2)) score = this.refract(this.judge(value, median));
      this.absDev += learningRate(this.seen - 1, 2 / (o.window + 1)) * (Math.abs(value - median) - this.absDev);
    }
    this.window.push(value);
    this.seen++;
    this.lastTs = ts;
    return score;
  }

  /** Stage 1 then stage 2 for one reading; learns the surprise afterwards. */
  private judge(value: number, median: number): number {
    const o = this.options;
    const spread = Math.max(
      (this.window.quantile(0.75) - this.window.quantile(0.25)) / IQR_TO_SIGMA,
      this.absDev * MEAN_ABS_DEV_TO_SIGMA,
      1e-6 * Math.abs(median),
      1e-9,
    );
    const pointZ = Math.abs(value - median) / spread;
    const before = Math.min(o.shortWindow - 1, this.window.size);
    const shortMean = before > 0 ? (this.window.recentMean(before) * before + value) / (before + 1) : value;
    const levelZ = (Math.abs(shortMean - median) / spread) * Math.sqrt(before + 1);
    const surprise = Math.log1p(Math.max(pointZ, levelZ));

    const sd = Math.sqrt(this.surpriseVar + SURPRISE_SD_FLOOR ** 2);
    // Until enough surprises are seen their spread is unknown: the first ones only teach.
    const warm = this.surprises >= o.warmup;
    const z = warm ? (surprise - this.surpriseMean) / sd : 0;
    const delta = surprise - this.surpriseMean;
    const rate = learningRate(this.surprises, 1 - Math.pow(0.5, 1 / o.historyHalfLife));
    this.surpriseMean += rate * delta;
    this.surpriseVar = (1 - rate) * (this.surpriseVar + rate * delta * delta);
    this.surprises++;
    return z > 0 ? (z * z) / (z * z + o.halfScoreZ * o.halfScoreZ) : 0;
  }

  /** With a refractory period configured, damps the readings that follow a strong score. */
  private refract(score: number): number {
    if (this.quiet > 0) {
      this.quiet--;
      return score * REFRACTORY_DAMPING;
    }
    if (this.options.refractory > 0 && score >= this.options.refractoryScore) this.quiet = this.options.refractory;
    return score;
  }

  toJSON(): AnomalyState {
    return {
      version: 2, options: { ...this.options }, values: this.window.values(), seen: this.seen, lastTs: this.lastTs,
      absDev: this.absDev, surpriseMean: this.surpriseMean, surpriseVar: this.surpriseVar, surprises: this.surprises, quiet: this.quiet,
    };
  }

  /** Restores a saved state; a version-1 state (window only) restarts the likelihood stage. */
  static fromJSON(state: unknown): AnomalyDetector {
    const s = state as Partial<AnomalyState> | { version: 1 } | null;
    if (!s || (s.version !== 1 && s.version !== 2) || !('values' in s) || !Array.isArray(s.values) || typeof s.seen !== 'number' || !s.values.every(Number.isFinite)) {
      throw new TypeError('not an AnomalyDetector state');
    }
    const detector = new AnomalyDetector(s.options);
    for (const v of s.values) detector.window.push(v);
    detector.seen = s.seen;
    detector.lastTs = s.lastTs ?? null;
    detector.absDev = s.absDev ?? 0;
    detector.surpriseMean = s.surpriseMean ?? 0;
    detector.surpriseVar = s.surpriseVar ?? 0;
    detector.surprises = s.surprises ?? 0;
    detector.quiet = s.quiet ?? 0;
    return detector;
  }
}
