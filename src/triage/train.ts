/**
 * Training and evaluation, pure: labelled texts and a seed in, a model and its metrics out.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { APPEAL_TYPES, URGENCIES } from '../cases/model.ts';
import { DOMAINS } from '../categories/catalogue.ts';
import { classify, markKnown, OUTPUTS, roundTrip, featuresFor, type Output, type TriageModel } from './model.ts';
import { fitTemperature, newHead, trainHeads, type Example } from './softmax.ts';
import { fnv1a32, mulberry32 } from '../random.ts';

export interface LabelledText {
  text: string;
  channel?: string;
  appealType: string;
  domain: string;
  categoryCode: string;
  urgency: string;
  /** How much the example counts; operators' corrections count more than the seed corpus. */
  weight?: number;
}

export interface CorpusReport extends LabelledText { id: string; split: 'train' | 'test'; channel: string }

export const CORPUS_FILE = fileURLToPath(new URL('../../corpus/reports.jsonl', import.meta.url));

export function loadCorpus(file = CORPUS_FILE): CorpusReport[] {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as CorpusReport);
}

export interface TrainOptions {
  seed: string;
  /** Hash buckets of the weight matrix, a power of two. */
  buckets: number;
  epochs: number;
  learningRate: number;
  l2: number;
  /** Share of the training texts kept aside to calibrate confidences. */
  validationShare: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { seed: 'chengyun-triage', buckets: 1 << 14, epochs: 4, learningRate: 0.5, l2: 1e-4, validationShare: 0.1 };

/** mulberry32 seeded from a string. */
export function seeded(seed: string): () => number {
  return mulberry32(fnv1a32(seed));
}

const valueOf = (t: LabelledText, output: Output): string =>
  output === 'category' ? t.categoryCode : output === 'appealType' ? t.appealType : output === 'domain' ? t.domain : t.urgency;

export function trainModel(texts: readonly LabelledText[], options: Partial<TrainOptions> = {}): TriageModel {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (texts.length === 0) throw new Error('nothing to train on');
  const random = seeded(o.seed);
  const labels: Record<Output, string[]> = {
    appealType: [...APPEAL_TYPES],
    domain: DOMAINS.map((d) => d.code),
    category: [...new Set(texts.map((t) => t.categoryCode))].sort(),
    urgency: [...URGENCIES],
  };
  const model: TriageModel = {
    buckets: o.buckets,
    heads: { appealType: newHead(labels.appealType, o.buckets), domain: newHead(labels.domain, o.buckets), category: newHead(labels.category, o.buckets), urgency: newHead(labels.urgency, o.buckets) },
    known: new Uint8Array(1 << 17),
  };
  const examples = texts.map((t): Example & { source: LabelledText } => {
    const features = featuresFor(model, t.text, t.channel);
    const targets = OUTPUTS.map((name) => {
      const index = labels[name].indexOf(valueOf(t, name));
      if (index < 0) throw new Error(`unknown ${name} label "${valueOf(t, name)}"`);
      return index;
    });
    return { features, targets, weight: t.weight ?? 1, source: t };
  });
  // A seeded shuffle picks the calibration slice; corrections always stay in training.
  const order = examples.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const validationCount = Math.floor(examples.length * o.validationShare);
  const validation = new Set(order.filter((i) => (examples[i].weight ?? 1) === 1).slice(0, validationCount));
  const fit = examples.filter((_, i) => !validation.has(i));
  for (const e of fit) markKnown(model, e.features);
  trainHeads(OUTPUTS.map((n) => model.heads[n]), fit, { epochs: o.epochs, learningRate: o.learningRate, l2: o.l2, random });
  // Calibrate what is served: the int8 round trip.
  const served = roundTrip(model);
  const held = examples.filter((_, i) => validation.has(i));
  OUTPUTS.forEach((name, h) => {
    served.heads[name].temperature = fitTemperature(served.heads[name], held.map((e) => ({ features: e.features, target: e.targets[h] })));
  });
  return served;
}

// ── evaluation ────────────────────────────────────────────────────────────────────────────

export interface OutputMetrics { accuracy: number; macroF1: number }

export interface Metrics {
  examples: number;
  outputs: Record<Output, OutputMetrics>;
  /** Share of 特急 texts classified 特急 (after the safety rule). */
  criticalRecall: number;
  criticalCount: number;
  /** rows: gold, columns: predicted, in `labels` order. */
  confusion: { urgency: Confusion; domain: Confusion };
  autoRouted: { threshold: number; share: number; categoryAccuracy: number };
}

export interface Confusion { labels: string[]; counts: number[][] }

/** Macro-F1 over the labels occurring in gold or predictions. */
export function macroF1(gold: readonly string[], predicted: readonly string[]): number {
  const labels = [...new Set([...gold, ...predicted])];
  let sum = 0;
  for (const label of labels) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < gold.length; i++) {
      if (predicted[i] === label && gold[i] === label) tp++;
      else if (predicted[i] === label) fp++;
      else if (gold[i] === label) fn++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return labels.length === 0 ? 0 : sum / labels.length;
}

export function accuracy(gold: readonly string[], predicted: readonly string[]): number {
  return gold.length === 0 ? 0 : gold.filter((g, i) => g === predicted[i]).length / gold.length;
}

export function confusion(labels: readonly string[], gold: readonly string[], predicted: readonly string[]): Confusion {
  const counts = labels.map(() => labels.map(() => 0));
  gold.forEach((g, i) => {
    const r = labels.indexOf(g);
    const c = labels.indexOf(predicted[i]);
    if (r >= 0 && c >= 0) counts[r][c]++;
  });
  return { labels: [...labels], counts };
}

/** Category confidence at or above which a case goes straight to the unit (needsHuman: false). */
export const AUTO_ROUTE_THRESHOLD = 0.6;

/** Everything the model would answer for these texts (no evidence, for speed). */
export function predictAll(model: TriageModel, texts: readonly LabelledText[]): Record<Output, string[]> & { confidence: number[] } {
  const out = { appealType: [] as string[], domain: [] as string[], category: [] as string[], urgency: [] as string[], confidence: [] as number[] };
  for (const t of texts) {
    const p = classify(model, t.text, t.channel, false);
    out.appealType.push(p.appealType.value);
    out.domain.push(p.domain.value);
    out.category.push(p.category.value);
    out.urgency.push(p.urgency.value);
    out.confidence.push(p.outOfDomain ? 0 : p.category.confidence);
  }
  return out;
}

export function evaluate(model: TriageModel, test: readonly LabelledText[], threshold = AUTO_ROUTE_THRESHOLD): Metrics {
  const predicted = predictAll(model, test);
  const outputs = {} as Record<Output, OutputMetrics>;
  for (const name of OUTPUTS) {
    const gold = test.map((t) => valueOf(t, name));
    outputs[name] = { accuracy: accuracy(gold, predicted[name]), macroF1: macroF1(gold, predicted[name]) };
  }
  const critical = test.map((t, i) => [t.urgency, predicted.urgency[i]] as const).filter(([g]) => g === 'critical');
  const auto = test.map((_, i) => i).filter((i) => predicted.confidence[i] >= threshold);
  return {
    examples: test.length,
    outputs,
    criticalCount: critical.length,
    criticalRecall: critical.length === 0 ? 1 : critical.filter(([, p]) => p === 'critical').length / critical.length,
    confusion: {
      urgency: confusion(URGENCIES, test.map((t) => t.urgency), predicted.urgency),
      domain: confusion(DOMAINS.map((d) => d.code), test.map((t) => t.domain), predicted.domain),
    },
    autoRouted: {
      threshold,
      share: test.length === 0 ? 0 : auto.length / test.length,
      categoryAccuracy: auto.length === 0 ? 0 : auto.filter((i) => predicted.category[i] === test[i].categoryCode).length / auto.length,
    },
  };
}

/** The promotion rule: better category macro-F1 than the current model, and no 特急 text missed. */
export function beats(candidate: Metrics, current: Metrics | undefined): { promote: boolean; reason: string } {
  if (candidate.criticalRecall < 1) return { promote: false, reason: `特急 recall ${(candidate.criticalRecall * 100).toFixed(1)} % is below 100 %` };
  if (!current) return { promote: true, reason: 'no model in service yet' };
  const a = candidate.outputs.category.macroF1;
  const b = current.outputs.category.macroF1;
  return a > b
    ? { promote: true, reason: `category macro-F1 ${a.toFixed(4)} beats ${b.toFixed(4)}` }
    : { promote: false, reason: `category macro-F1 ${a.toFixed(4)} does not beat ${b.toFixed(4)}` };
}
