/**
 * Multinomial logistic regression over hashed sparse features, in plain TypeScript.
 *
 * Weights are feature-major (weights[bucket * K + class]) so one feature's K weights are
 * contiguous. Training is per-example SGD with a decaying step and L2 applied to the weights
 * an example touches ("lazy" decay: untouched rows stay as they are, which keeps an epoch
 * proportional to the data, not to the matrix). The example order comes from the caller's
 * seeded PRNG, so a seed fixes the result.
 */
import type { Features } from './features.ts';

export interface Head {
  labels: string[];
  buckets: number;
  weights: Float32Array;
  bias: Float32Array;
  /** Temperature dividing the logits (fitted on held-out data; 1 before calibration). */
  temperature: number;
}

export interface Example {
  features: Features;
  /** Label index per head. */
  targets: number[];
  /** How much this example counts (operators' corrections count more). */
  weight: number;
}

export interface SgdOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  random: () => number;
}

export function newHead(labels: string[], buckets: number): Head {
  return { labels, buckets, weights: new Float32Array(buckets * labels.length), bias: new Float32Array(labels.length), temperature: 1 };
}

/** Raw logits into `out` (length K). */
export function logits(head: Head, f: Features, out: Float64Array): void {
  const k = head.labels.length;
  const w = head.weights;
  for (let c = 0; c < k; c++) out[c] = head.bias[c];
  const v = f.value;
  for (let i = 0; i < f.count; i++) {
    const row = f.buckets[i] * k;
    for (let c = 0; c < k; c++) out[c] += w[row + c] * v;
  }
}

/** Softmax of logits / temperature, in place. */
export function softmax(values: Float64Array, temperature = 1): void {
  let max = -Infinity;
  for (let c = 0; c < values.length; c++) if (values[c] > max) max = values[c];
  let sum = 0;
  for (let c = 0; c < values.length; c++) {
    values[c] = Math.exp((values[c] - max) / temperature);
    sum += values[c];
  }
  for (let c = 0; c < values.length; c++) values[c] /= sum;
}

/** Trains several heads at once over the same examples (features are extracted once). */
export function trainHeads(heads: Head[], examples: readonly Example[], options: SgdOptions): void {
  const order = examples.map((_, i) => i);
  const scratch = heads.map((h) => new Float64Array(h.labels.length));
  const active_ = new Int32Array(Math.max(...heads.map((h) => h.labels.length)));
  let step = 0;
  const total = options.epochs * examples.length;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(options.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const index of order) {
      const example = examples[index];
      // Linear decay to a tenth of the starting step.
      const lr = options.learningRate * (1 - 0.9 * (step++ / total)) * example.weight;
      const f = example.features;
      const v = f.value;
      heads.forEach((head, h) => {
        const p = scratch[h];
        const k = head.labels.length;
        logits(head, f, p);
        softmax(p);
        p[example.targets[h]] -= 1;
        const w = head.weights;
        const decay = 1 - Math.min(options.learningRate * options.l2, 0.5);
        // Classes the example barely moves are skipped: once the model fits, most of the K
        // gradients are ~0 and this keeps an update to a handful of classes.
        let active = 0;
        for (let c = 0; c < k; c++) if (Math.abs(p[c]) > 1e-3) active_[active++] = c;
        const g = lr * v;
        for (let i = 0; i < f.count; i++) {
          const row = f.buckets[i] * k;
          for (let a = 0; a < active; a++) {
            const c = active_[a];
            w[row + c] = w[row + c] * decay - g * p[c];
          }
        }
        for (let c = 0; c < k; c++) head.bias[c] -= lr * p[c] * 0.1;
      });
    }
  }
}

/** The temperature (from a fixed grid) minimising the negative log-likelihood of held-out examples. */
export function fitTemperature(head: Head, examples: readonly { features: Features; target: number }[]): number {
  if (examples.length === 0) return 1;
  const k = head.labels.length;
  const raw = examples.map((e) => {
    const out = new Float64Array(k);
    logits(head, e.features, out);
    return out;
  });
  let best = 1;
  let bestLoss = Infinity;
  for (let t = 0.25; t <= 4.001; t += 0.05) {
    let loss = 0;
    raw.forEach((z, i) => {
      const p = Float64Array.from(z);
      softmax(p, t);
      loss -= Math.log(Math.max(p[examples[i].target], 1e-12));
    });
    if (loss < bestLoss) {
      bestLoss = loss;
      best = Math.round(t * 100) / 100;
    }
  }
  return best;
}

/**
 * Stores weights as int8 with one scale per class: a quarter of the bytes, and the argmax of
 * a linear model barely moves. The model is evaluated after this round trip, so its metrics
 * describe what is served.
 */
export function quantise(head: Head): { scales: Float32Array; bytes: Int8Array } {
  const k = head.labels.length;
  const scales = new Float32Array(k);
  for (let i = 0; i < head.weights.length; i++) {
    const c = i % k;
    const a = Math.abs(head.weights[i]);
    if (a > scales[c]) scales[c] = a;
  }
  for (let c = 0; c < k; c++) scales[c] = scales[c] / 127 || 1;
  const bytes = new Int8Array(head.weights.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(head.weights[i] / scales[i % k]);
  return { scales, bytes };
}

export function dequantise(head: Omit<Head, 'weights'>, scales: Float32Array, bytes: Int8Array): Head {
  const k = head.labels.length;
  const weights = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) weights[i] = bytes[i] * scales[i % k];
  return { ...head, weights };
}
