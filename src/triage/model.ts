/**
 * The triage model (智能分拨模型): four softmax heads over one feature extraction — appeal type,
 * domain, category, urgency — with calibrated confidences, top-3, the n-grams that drove each
 * answer, the urgency safety floor, and a binary form for storage.
 */
import { extract, KNOWN_BITS, MAX_CHARS, newScratch, ngramOf, type Features } from './features.ts';
import { dequantise, logits, quantise, softmax, type Head } from './softmax.ts';
import { atLeast, safetyFloor } from './lexicon.ts';
import type { Urgency } from '../cases/model.ts';

export const OUTPUTS = ['appealType', 'domain', 'category', 'urgency'] as const;
export type Output = (typeof OUTPUTS)[number];

export interface TriageModel {
  buckets: number;
  heads: Record<Output, Head>;
  /** Bit set of the n-grams seen in training (see features.ts). */
  known: Uint8Array;
}

export interface Scored { value: string; probability: number }

export interface OutputPrediction {
  value: string;
  /** Calibrated probability of `value`. */
  confidence: number;
  top3: Scored[];
  /** The n-grams whose weight × value pushed hardest towards `value`. */
  evidence: { ngram: string; weight: number }[];
}

export interface UrgencyPrediction extends OutputPrediction {
  /** Set when the safety lexicon raised the level above the model's answer. */
  safetyRule: { term: string; level: Urgency } | null;
}

export interface Prediction {
  appealType: OutputPrediction;
  domain: OutputPrediction;
  category: OutputPrediction;
  urgency: UrgencyPrediction;
  /** Share of the text's n-grams that training saw: 0 means the model knows nothing about it. */
  coverage: number;
  /** True when the text gives the model nothing to go on (no Chinese, or almost no known n-grams). */
  outOfDomain: boolean;
}

/** Below this share of known n-grams (or with fewer than two Chinese characters) a text is out of domain. */
export const MIN_COVERAGE = 0.3;
const EVIDENCE = 5;

export function markKnown(model: TriageModel, f: Features): void {
  for (let i = 0; i < f.count; i++) model.known[f.known[i] >>> 3] |= 1 << (f.known[i] & 7);
}

function coverageOf(model: TriageModel, f: Features): number {
  let seen = 0;
  let total = 0;
  for (let i = 0; i < f.count; i++) {
    // Single characters are known for almost any Chinese text; they say little about familiarity.
    if (f.lengths[i] < 2) continue;
    total++;
    if (model.known[f.known[i] >>> 3] & (1 << (f.known[i] & 7))) seen++;
  }
  return total === 0 ? 0 : seen / total;
}

export function featuresFor(model: TriageModel, text: string, channel?: string): Features {
  return extract(text, model.buckets, channel ? `channel:${channel}` : undefined);
}

/** Probabilities of one head, calibrated. */
export function probabilities(head: Head, f: Features): Float64Array {
  const p = new Float64Array(head.labels.length);
  logits(head, f, p);
  softmax(p, head.temperature);
  return p;
}

function top(head: Head, p: Float64Array, n: number): Scored[] {
  // Selection, not a sort: K can be a hundred classes and only three are wanted.
  const picked: number[] = [];
  for (let r = 0; r < Math.min(n, p.length); r++) {
    let best = -1;
    for (let c = 0; c < p.length; c++) if (!picked.includes(c) && (best < 0 || p[c] > p[best])) best = c;
    picked.push(best);
  }
  return picked.map((c) => ({ value: head.labels[c], probability: round(p[c]) }));
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

// Per-bucket marks that add up a text's repeated n-grams without a Map: a bucket belongs to
// this call when its stamp is the call's generation.
interface EvidenceScratch { stamp: Int32Array; slot: Int32Array; weight: Float64Array; at: Int32Array; generation: number }
const evidenceScratch = new Map<number, EvidenceScratch>();

function evidenceScratchFor(buckets: number): EvidenceScratch {
  let s = evidenceScratch.get(buckets);
  if (!s) {
    const max = MAX_CHARS * 3 + 1;
    s = { stamp: new Int32Array(buckets), slot: new Int32Array(buckets), weight: new Float64Array(max), at: new Int32Array(max), generation: 0 };
    evidenceScratch.set(buckets, s);
  }
  if (++s.generation === 0x7fffffff) {
    s.stamp.fill(0);
    s.generation = 1;
  }
  return s;
}

/**
 * The n-grams that pushed hardest towards class `cls`: each feature's contribution
 * (weight × value, as in the logits), summed per bucket, the EVIDENCE largest kept in order
 * (ties: first occurrence first); strings only for those.
 */
function evidence(head: Head, f: Features, cls: number, channel: string | undefined): { ngram: string; weight: number }[] {
  const k = head.labels.length;
  const s = evidenceScratchFor(head.buckets);
  const g = s.generation;
  let unique = 0;
  for (let i = 0; i < f.count; i++) {
    const b = f.buckets[i];
    const w = head.weights[b * k + cls] * f.value;
    if (w <= 0) continue;
    if (s.stamp[b] === g) {
      s.weight[s.slot[b]] += w;
    } else {
      s.stamp[b] = g;
      s.slot[b] = unique;
      s.weight[unique] = w;
      s.at[unique] = i;
      unique++;
    }
  }
  // Insertion into the best few; a later entry goes after equal weights, so ties keep text order.
  const best: number[] = [];
  for (let u = 0; u < unique; u++) {
    const w = s.weight[u];
    if (best.length === EVIDENCE && w <= s.weight[best[EVIDENCE - 1]]) continue;
    let j = best.length;
    while (j > 0 && w > s.weight[best[j - 1]]) j--;
    best.splice(j, 0, u);
    if (best.length > EVIDENCE) best.pop();
  }
  const context = channel ? `channel:${channel}` : undefined;
  return best.map((u) => ({ ngram: ngramOf(f, s.at[u], context), weight: round(s.weight[u]) }));
}

function predictHead(head: Head, f: Features, outOfDomain: boolean, channel: string | undefined, explain: boolean): OutputPrediction {
  let p: Float64Array;
  if (outOfDomain) {
    // No evidence: every label equally likely, so nothing is routed on a guess.
    p = new Float64Array(head.labels.length).fill(1 / head.labels.length);
  } else {
    p = probabilities(head, f);
  }
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
  return {
    value: head.labels[best], confidence: round(p[best]), top3: top(head, p, 3),
    evidence: explain && !outOfDomain ? evidence(head, f, best, channel) : [],
  };
}

// Classification is synchronous, so one set of feature buffers serves every call.
const scratch = newScratch();

/** Classifies a text. `explain: false` skips the evidence (for bulk evaluation). */
export function classify(model: TriageModel, text: string, channel?: string, explain = true): Prediction {
  const f = extract(text, model.buckets, channel ? `channel:${channel}` : undefined, scratch);
  const coverage = coverageOf(model, f);
  const outOfDomain = f.cjk < 2 || coverage < MIN_COVERAGE;
  const out = {} as Record<Output, OutputPrediction>;
  for (const name of OUTPUTS) out[name] = predictHead(model.heads[name], f, outOfDomain, channel, explain);
  const floor = safetyFloor(text);
  const modelUrgency = out.urgency.value as Urgency;
  const raised = floor ? atLeast(modelUrgency, floor.level) : modelUrgency;
  const urgency: UrgencyPrediction = { ...out.urgency, safetyRule: null };
  if (floor && raised !== modelUrgency) {
    const head = model.heads.urgency;
    const p = out.urgency.top3.find((s) => s.value === raised)?.probability ?? 0;
    urgency.value = raised;
    urgency.confidence = p;
    urgency.safetyRule = { term: floor.term, level: floor.level };
    urgency.evidence = explain && !outOfDomain ? evidence(head, f, head.labels.indexOf(raised), channel) : [];
  }
  return { appealType: out.appealType, domain: out.domain, category: out.category, urgency, coverage: round(coverage), outOfDomain };
}

// ── binary form ───────────────────────────────────────────────────────────────────────────

interface Header {
  format: 1;
  buckets: number;
  heads: { name: Output; labels: string[]; temperature: number }[];
}

/** Serialises the model: a JSON header, then per head int8 weights + scales + bias, then the known-set. */
export function toBytes(model: TriageModel): Buffer {
  const header: Header = { format: 1, buckets: model.buckets, heads: OUTPUTS.map((name) => ({ name, labels: model.heads[name].labels, temperature: model.heads[name].temperature })) };
  const json = Buffer.from(JSON.stringify(header));
  const parts: Buffer[] = [Buffer.alloc(4), json];
  parts[0].writeUInt32LE(json.length);
  for (const name of OUTPUTS) {
    const head = model.heads[name];
    const { scales, bytes } = quantise(head);
    parts.push(Buffer.from(scales.buffer, scales.byteOffset, scales.byteLength), Buffer.from(head.bias.buffer, head.bias.byteOffset, head.bias.byteLength),
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  parts.push(Buffer.from(model.known.buffer, model.known.byteOffset, model.known.byteLength));
  return Buffer.concat(parts);
}

export function fromBytes(data: Uint8Array): TriageModel {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const jsonLength = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + jsonLength).toString('utf8')) as Header;
  if (header.format !== 1) throw new Error(`unknown triage model format ${header.format}`);
  let at = 4 + jsonLength;
  // Copies, because typed arrays need aligned offsets and the buffer may be shared.
  const take = (bytes: number) => {
    const slice = new Uint8Array(bytes);
    slice.set(buf.subarray(at, at + bytes));
    at += bytes;
    return slice.buffer;
  };
  const heads = {} as Record<Output, Head>;
  for (const h of header.heads) {
    const k = h.labels.length;
    const scales = new Float32Array(take(4 * k));
    const bias = new Float32Array(take(4 * k));
    const bytes = new Int8Array(take(header.buckets * k));
    heads[h.name] = dequantise({ labels: h.labels, buckets: header.buckets, bias, temperature: h.temperature }, scales, bytes);
  }
  const known = new Uint8Array(take(KNOWN_BITS / 8));
  return { buckets: header.buckets, heads, known };
}

/** The model as served: what toBytes/fromBytes give back (int8 weights). */
export function roundTrip(model: TriageModel): TriageModel {
  return fromBytes(toBytes(model));
}
