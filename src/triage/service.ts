/**
 * Triage (智能分拨) for the rest of the system: classify a report with the model in service,
 * recommend the unit the responsibility list gives for the predicted category at the place,
 * and train / evaluate / promote model versions.
 */
import type { AppContext } from '../app.ts';
import { categoryByCode } from '../categories/catalogue.ts';
import { Problem } from '../http/errors.ts';
import { areaChainOf, loadRules, resolveResponsibleUnit, triageUnitOf } from '../routing/index.ts';
import type { Queryable } from '../storage/db.ts';
import { classify, fromBytes, toBytes, type Prediction, type TriageModel } from './model.ts';
import {
  AUTO_ROUTE_THRESHOLD, beats, DEFAULT_TRAIN_OPTIONS, evaluate, loadCorpus, trainModel,
  type CorpusReport, type LabelledText, type Metrics, type TrainOptions,
} from './train.ts';
import { correctedCaseLabels } from '../cases/service.ts';
import * as store from './store.ts';

/** A correction counts as this many corpus reports: it is a deliberate human judgement on a case the model or the list got wrong. */
export const CORRECTION_WEIGHT = 10;
const MAX_CORRECTIONS = 50_000;

interface Served { version: number; model: TriageModel }

// The model in service, per context: loaded on first use, replaced on promotion.
const served = new WeakMap<object, Promise<Served | undefined>>();

export function servedModel(ctx: Pick<AppContext, 'db'>): Promise<Served | undefined> {
  let hit = served.get(ctx);
  if (!hit) {
    hit = store.promotedModel(ctx.db).then((row) => row && { version: row.version, model: fromBytes(row.weights) });
    served.set(ctx, hit);
    hit.catch(() => served.delete(ctx));
  }
  return hit;
}

export async function loadModelVersion(db: Queryable, version: number): Promise<TriageModel | undefined> {
  const weights = await store.modelWeights(db, version);
  return weights && fromBytes(weights);
}

export interface ClassifyInput { text: string; channel?: string; lon?: number; lat?: number }

export interface ClassifyResult extends Omit<Prediction, 'coverage' | 'outOfDomain'> {
  modelVersion: number;
  coverage: number;
  outOfDomain: boolean;
  recommendedUnit: { unitId: string | null; ruleId: string | null; triageUnitId: string } | null;
  needsHuman: boolean;
  threshold: number;
}

export async function classifyReport(ctx: AppContext, input: ClassifyInput): Promise<ClassifyResult> {
  const current = await servedModel(ctx);
  if (!current) throw new Problem('CY_NOT_READY', 'No triage model is in service yet: run `chengyun triage train` (or `chengyun seed`)');
  let recommendedUnit: ClassifyResult['recommendedUnit'] = null;
  const prediction = classify(current.model, input.text, input.channel);
  if (input.lon !== undefined && input.lat !== undefined) {
    const date = ctx.today();
    const location = ctx.city.locate(input.lon, input.lat, date);
    if (!location) throw new Problem('CY_OUT_OF_AREA', `(${input.lon}, ${input.lat}) is not inside the city`);
    const chain = areaChainOf(location);
    const hit = prediction.outOfDomain ? undefined : resolveResponsibleUnit(await loadRules(ctx.db), prediction.category.value, chain, date);
    recommendedUnit = { unitId: hit?.unitId ?? null, ruleId: hit?.rule.id ?? null, triageUnitId: triageUnitOf(chain) };
  }
  const { coverage, outOfDomain, ...outputs } = prediction;
  return {
    modelVersion: current.version, ...outputs, coverage, outOfDomain, recommendedUnit,
    needsHuman: outOfDomain || prediction.category.confidence < AUTO_ROUTE_THRESHOLD, threshold: AUTO_ROUTE_THRESHOLD,
  };
}

/** What a resident is offered as they type: the likeliest categories by name, nothing about routing. */
export async function suggestCategories(ctx: AppContext, text: string): Promise<{ categories: { code: string; name: string; probability: number }[]; urgent: boolean }> {
  const current = await servedModel(ctx);
  if (!current) throw new Problem('CY_NOT_READY', 'No triage model is in service yet');
  const prediction = classify(current.model, text, 'app');
  if (prediction.outOfDomain) return { categories: [], urgent: false };
  const categories = prediction.category.top3.flatMap((s) => {
    const category = categoryByCode(s.value);
    return category ? [{ code: category.code, name: category.name, probability: s.probability }] : [];
  });
  return { categories, urgent: prediction.urgency.value !== 'normal' };
}

/** Operators' corrections as labelled texts. */
export async function corrections(db: Queryable): Promise<LabelledText[]> {
  const rows = await correctedCaseLabels(db, MAX_CORRECTIONS);
  return rows.flatMap((r) => {
    const domain = r.domain ?? categoryByCode(r.category_code)?.domain;
    return domain ? [{ text: r.description, channel: r.channel, appealType: r.appeal_type, domain, categoryCode: r.category_code, urgency: r.urgency, weight: CORRECTION_WEIGHT }] : [];
  });
}

export interface TrainRequest {
  options?: Partial<TrainOptions>;
  /** Share of the corpus's train split to use (1 = all); smaller shares make deliberately weaker models. */
  sample?: number;
  by?: string;
  /** The corpus; the shipped one when omitted. */
  corpus?: readonly CorpusReport[];
}

export interface TrainOutcome {
  version: number;
  promoted: boolean;
  reason: string;
  metrics: Metrics;
  /** The model in service before, evaluated on the same test split now. */
  current: { version: number; metrics: Metrics } | null;
  training: { corpus: number; corrections: number; test: number; seconds: number };
  model: TriageModel;
}

/** Every `1/sample`-th report of each category, so a sample keeps the categories' balance. */
function sampleOf(reports: readonly CorpusReport[], sample: number): CorpusReport[] {
  if (sample >= 1) return [...reports];
  const taken = new Map<string, number>();
  return reports.filter((r) => {
    const n = taken.get(r.categoryCode) ?? 0;
    taken.set(r.categoryCode, n + 1);
    return Math.floor((n + 1) * sample) > Math.floor(n * sample);
  });
}

/**
 * Trains on the corpus's train split plus the operators' corrections, evaluates on the held-out
 * test split (never trained on), stores the version, and puts it in service when it beats the
 * current model (category macro-F1, with 特急 recall at 100 %).
 */
export async function trainAndPromote(ctx: Pick<AppContext, 'db' | 'clock'>, request: TrainRequest = {}): Promise<TrainOutcome> {
  const started = performance.now();
  const corpus = request.corpus ?? loadCorpus();
  const train = sampleOf(corpus.filter((r) => r.split === 'train'), request.sample ?? 1);
  const test = corpus.filter((r) => r.split === 'test');
  const fixes = await corrections(ctx.db);
  const options = { ...DEFAULT_TRAIN_OPTIONS, ...request.options };
  const model = trainModel([...train, ...fixes], options);
  const metrics = evaluate(model, test);
  const before = await servedModel(ctx);
  const current = before ? { version: before.version, metrics: evaluate(before.model, test) } : null;
  const decision = beats(metrics, current?.metrics);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const training = { corpus: train.length, corrections: fixes.length, test: test.length, seconds };
  const now = ctx.clock();
  const version = await ctx.db.transaction((tx) => store.insertModel(tx, {
    status: decision.promote ? 'promoted' : 'rejected', createdAt: now, createdBy: request.by ?? null, promotedAt: decision.promote ? now : null,
    decision: decision.reason, options: { ...options, sample: request.sample ?? 1 }, training, metrics: metrics as unknown as Record<string, unknown>, weights: toBytes(model),
  }));
  if (decision.promote) served.set(ctx, Promise.resolve({ version, model }));
  return { version, promoted: decision.promote, reason: decision.reason, metrics, current, training, model };
}

export async function listModels(ctx: AppContext, limit = 20): Promise<store.ModelRow[]> {
  return store.listModels(ctx.db, limit);
}
