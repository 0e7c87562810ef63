/**
 * Duplicate reports (重复件), pure: how near and how recent an open case must be for a new
 * report to be "the same incident", how alike their texts are, and one score that combines
 * both. The service runs it on the few open cases an index query finds around a new report.
 *
 * Text similarity is the cosine of IDF-weighted character 2–3-grams (the classifier's
 * normalisation; single characters say little about an incident). IDF comes from the seed
 * corpus, so the phrases every report shares (市民来电反映, 请相关部门核实处理) weigh little and
 * the problem and the place weigh most.
 */
import { CATEGORIES, type Category } from '../categories/catalogue.ts';
import { normalise } from './features.ts';

/** How far (metres) and how long (hours) a category's reports can be one incident. */
export interface DuplicateRule {
  /** Categories as kind letter + catalogue name ('C:上水井盖'); the rule with none is the default. */
  categories: readonly string[];
  radiusM: number;
  windowHours: number;
}

/**
 * The radius follows what a resident can see from where they stand: a manhole cover or a
 * pothole is one spot, a noise carries a few hundred metres, a flood covers a low-lying area.
 * The window is how long the same thing keeps being reported before it is fixed.
 */
export const DUPLICATE_RULES: readonly DuplicateRule[] = [
  { categories: ['C:上水井盖', 'C:污水井盖', 'C:雨水箅子', 'C:电力井盖', 'C:燃气井盖', 'E:道路破损', 'E:路面塌陷'], radiusM: 50, windowHours: 72 },
  { categories: ['E:施工扰民', 'E:商业噪音', 'H:噪声扰民', 'E:露天烧烤', 'E:油烟污染', 'H:餐饮油烟'], radiusM: 200, windowHours: 48 },
  { categories: ['E:道路积水', 'H:排水不畅', 'H:防汛抗旱', 'E:自来水管破裂'], radiusM: 500, windowHours: 12 },
  { categories: ['H:大气污染', 'H:水污染', 'E:工地扬尘', 'E:水域不洁', 'H:危险化学品', 'H:地质灾害'], radiusM: 300, windowHours: 48 },
  { categories: ['H:供水问题', 'H:供电问题', 'H:供气问题'], radiusM: 400, windowHours: 24 },
  { categories: [], radiusM: 100, windowHours: 72 },
];

/** A report's side of the comparison. */
export interface DuplicateSubject {
  sketch: TextSketch;
  categoryCode: string | null;
  lon: number;
  lat: number;
  /** Epoch milliseconds. */
  at: number;
}

export interface DuplicateMatch {
  score: number;
  similarity: number;
  distanceM: number;
  hoursApart: number;
}

/** Proposed as a duplicate at or above this score (chosen on the labelled pairs: bench/triage-duplicates.ts). */
export const DUPLICATE_THRESHOLD = 0.25;

// ── rules ─────────────────────────────────────────────────────────────────────────────────

const KIND_LETTER: Record<Category['kind'], string> = { component: 'C', event: 'E', hotline: 'H' };

export type RuleIndex = (categoryCode: string | null) => DuplicateRule;

/** Resolves the rules' category names to codes once; unknown names are an error in the table. */
export function ruleIndex(rules: readonly DuplicateRule[] = DUPLICATE_RULES): RuleIndex {
  const byCode = new Map<string, DuplicateRule>();
  const fallback = rules.find((r) => r.categories.length === 0);
  if (!fallback) throw new Error('duplicate rules need a default (a rule without categories)');
  for (const rule of rules) {
    for (const key of rule.categories) {
      const [letter, name] = key.split(':');
      const hit = CATEGORIES.find((c) => KIND_LETTER[c.kind] === letter && c.name === name);
      if (!hit) throw new Error(`duplicate rule names unknown category ${key}`);
      byCode.set(hit.code, rule);
    }
  }
  return (code) => (code && byCode.get(code)) || fallback;
}

/** The widest radius and window any rule has: what the index query around a new report must cover. */
export function searchExtent(rules: readonly DuplicateRule[] = DUPLICATE_RULES): { radiusM: number; windowHours: number } {
  return { radiusM: Math.max(...rules.map((r) => r.radiusM)), windowHours: Math.max(...rules.map((r) => r.windowHours)) };
}

// ── geometry ──────────────────────────────────────────────────────────────────────────────

const EARTH_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine). */
export function distanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A lon/lat box holding every point within `radiusM` of (lon, lat), for an index range query. */
export function boxAround(lon: number, lat: number, radiusM: number): { minLon: number; maxLon: number; minLat: number; maxLat: number } {
  const dLat = radiusM / (EARTH_M * RAD);
  const dLon = dLat / Math.max(0.01, Math.cos(lat * RAD));
  return { minLon: lon - dLon, maxLon: lon + dLon, minLat: lat - dLat, maxLat: lat + dLat };
}

// ── text ──────────────────────────────────────────────────────────────────────────────────

const IDF_BITS = 16;
const IDF_MASK = (1 << IDF_BITS) - 1;

/** Inverse document frequency per hashed n-gram slot. */
export type IdfTable = Float32Array;

/** A text as sorted unique n-gram hashes with their weights and the vector's norm. */
export interface TextSketch { keys: Uint32Array; weights: Float32Array; norm: number }

/** Hashes of the text's distinct 2- and 3-grams (runs of word characters, as the classifier sees them). */
function ngramKeys(text: string): Uint32Array {
  const { cps } = normalise(text);
  const keys: number[] = [];
  for (let i = 1; i < cps.length; i++) {
    if (cps[i] === -1 || cps[i - 1] === -1) continue;
    const two = Math.imul(Math.imul(0x811c9dc5 ^ cps[i - 1], 0x01000193) ^ cps[i], 0x01000193);
    keys.push(mix(two));
    if (i >= 2 && cps[i - 2] !== -1) keys.push(mix(Math.imul(two ^ cps[i - 2], 0x01000193) ^ 0x3));
  }
  const sorted = Uint32Array.from(keys).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
  return sorted.subarray(0, n);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h ^ (h >>> 16)) >>> 0;
}

/** IDF of every n-gram slot over a set of texts: ln((N + 1) / (df + 1)) + 1. */
export function idfTable(texts: Iterable<string>): IdfTable {
  const df = new Uint32Array(1 << IDF_BITS);
  let n = 0;
  for (const text of texts) {
    n++;
    for (const key of ngramKeys(text)) df[key & IDF_MASK]++;
  }
  const idf = new Float32Array(1 << IDF_BITS);
  for (let i = 0; i < idf.length; i++) idf[i] = Math.log((n + 1) / (df[i] + 1)) + 1;
  return idf;
}

export function sketch(text: string, idf: IdfTable): TextSketch {
  const keys = ngramKeys(text);
  const weights = new Float32Array(keys.length);
  let sum = 0;
  for (let i = 0; i < keys.length; i++) {
    weights[i] = idf[keys[i] & IDF_MASK];
    sum += weights[i] * weights[i];
  }
  return { keys, weights, norm: Math.sqrt(sum) };
}

/** Cosine of two sketches: a merge of their sorted keys. */
export function cosine(a: TextSketch, b: TextSketch): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  let i = 0;
  let j = 0;
  let dot = 0;
  while (i < a.keys.length && j < b.keys.length) {
    if (a.keys[i] < b.keys[j]) i++;
    else if (a.keys[i] > b.keys[j]) j++;
    else dot += a.weights[i++] * b.weights[j++];
  }
  return dot / (a.norm * b.norm);
}

// ── the score ─────────────────────────────────────────────────────────────────────────────

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * Whether an earlier open case is within the radius and window of the new report's category
 * (the texts aside); with the rule, the distance and the hours between them when it is.
 */
export function withinReach(report: Omit<DuplicateSubject, 'sketch'>, open: Omit<DuplicateSubject, 'sketch'>, rules: RuleIndex): { rule: DuplicateRule; d: number; hours: number } | null {
  const rule = rules(report.categoryCode);
  const d = distanceM(report.lon, report.lat, open.lon, open.lat);
  const hours = (report.at - open.at) / 3_600_000;
  return d > rule.radiusM || hours < 0 || hours > rule.windowHours ? null : { rule, d, hours };
}

/**
 * The match of a new report against an earlier open case, or null when it is outside the
 * radius or window of the new report's category. The score is the text similarity, discounted
 * when the categories differ, nudged up for being very close in space and time.
 */
export function matchDuplicate(report: DuplicateSubject, open: DuplicateSubject, rules: RuleIndex): DuplicateMatch | null {
  const near = withinReach(report, open, rules);
  if (!near) return null;
  const { rule, d, hours } = near;
  const similarity = cosine(report.sketch, open.sketch);
  const agreement = !report.categoryCode || !open.categoryCode || report.categoryCode === open.categoryCode ? 1 : 0.35;
  const nearness = 0.9 + 0.05 * (1 - d / rule.radiusM) + 0.05 * (1 - hours / rule.windowHours);
  return { score: round(similarity * agreement * nearness, 4), similarity: round(similarity, 4), distanceM: Math.round(d), hoursApart: round(hours, 2) };
}
