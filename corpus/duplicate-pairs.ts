/**
 * Generates corpus/duplicate-pairs.jsonl: labelled pairs of reports for measuring duplicate
 * detection (重复件). Side `a` is an open case, side `b` a report arriving later. Reports are
 * composed with the corpus generator's fragments; positions and times follow the duplicate
 * rules of their category (src/triage/duplicates.ts). Deterministic like the corpus.
 *
 *   node_modules/.bin/node corpus/duplicate-pairs.ts            # writes corpus/duplicate-pairs.jsonl
 *   node_modules/.bin/node corpus/duplicate-pairs.ts --check    # exits 1 when the file is stale
 *
 * Kinds: `reworded` — the same incident told by another resident (same place or none, the
 * same or, for street problems, another description of the problem, nearby and soon after): a duplicate. Not
 * duplicates: `different-nearby` — another problem at the same spot and time (half of them
 * in the same domain); `same-category-elsewhere` — the same kind of problem beyond the
 * category's radius; `same-text-far` — the same words kilometres away; `same-text-old` — the
 * same words at the same spot after the category's window.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { categoryByCode } from '../src/categories/catalogue.ts';
import { ruleIndex } from '../src/triage/duplicates.ts';
import { categoryFor, compose, pick, place, prng, SPECS, type Spec } from './generate.ts';

export type PairKind = 'reworded' | 'different-nearby' | 'same-category-elsewhere' | 'same-text-far' | 'same-text-old';

export interface PairSide { text: string; categoryCode: string; channel: 'app' | 'hotline'; lon: number; lat: number; at: string }
export interface DuplicatePair { id: string; kind: PairKind; duplicate: boolean; a: PairSide; b: PairSide }

const SEED = 'chengyun-duplicate-pairs-v1';
const COUNTS: Readonly<Record<PairKind, number>> = { reworded: 500, 'different-nearby': 300, 'same-category-elsewhere': 100, 'same-text-far': 50, 'same-text-old': 50 };
const START = Date.parse('2026-10-01T00:00:00Z');
const M_PER_DEG_LAT = 111_195;

const rules = ruleIndex();

function side(rnd: () => number, spec: Spec, fixed: { where?: string; problem?: string }, lon: number, lat: number, at: number): PairSide {
  const d = compose(rnd, spec, fixed);
  return { text: d.text, categoryCode: categoryFor(spec.key).code, channel: d.channel, lon: round6(lon), lat: round6(lat), at: new Date(at).toISOString() };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** A point `metres` away from (lon, lat) in a random direction. */
function offset(rnd: () => number, lon: number, lat: number, metres: number): [number, number] {
  const bearing = rnd() * 2 * Math.PI;
  const dLat = (metres * Math.cos(bearing)) / M_PER_DEG_LAT;
  const dLon = (metres * Math.sin(bearing)) / (M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180));
  return [lon + dLon, lat + dLat];
}

function pair(rnd: () => number, kind: PairKind): Omit<DuplicatePair, 'id'> {
  const spec = pick(rnd, SPECS);
  const rule = rules(categoryFor(spec.key).code);
  const lon = 106.45 + rnd() * 0.2;
  const lat = 29.45 + rnd() * 0.2;
  const at = START + Math.floor(rnd() * 30 * 86_400_000);
  let where = place(rnd, spec);
  if (!where) where = place(rnd, spec);
  const problem = pick(rnd, spec.say);
  const a = side(rnd, spec, { where, problem }, lon, lat, at);
  const soon = at + rnd() * 0.8 * rule.windowHours * 3_600_000;
  const [nearLon, nearLat] = offset(rnd, lon, lat, rnd() * 0.8 * rule.radiusM);
  switch (kind) {
    case 'reworded': {
      // Hotline descriptions of one category are different requests, not rewordings of one.
      const told = spec.key.startsWith('H:') || rnd() < 0.5 ? problem : pick(rnd, spec.say);
      const b = side(rnd, spec, { where: rnd() < 0.75 ? where : '', problem: told }, nearLon, nearLat, soon);
      return { kind, duplicate: true, a, b };
    }
    case 'different-nearby': {
      const domain = categoryByCode(a.categoryCode)?.domain;
      const sameDomain = SPECS.filter((s) => s !== spec && categoryByCode(categoryFor(s.key).code)?.domain === domain);
      const other = rnd() < 0.5 && sameDomain.length ? pick(rnd, sameDomain) : pick(rnd, SPECS.filter((s) => s !== spec));
      const b = side(rnd, other, { where: rnd() < 0.6 ? where : place(rnd, other) }, nearLon, nearLat, soon);
      return { kind, duplicate: false, a, b };
    }
    case 'same-category-elsewhere': {
      const [farLon, farLat] = offset(rnd, lon, lat, rule.radiusM * (1.5 + rnd() * 2.5));
      return { kind, duplicate: false, a, b: side(rnd, spec, { where: place(rnd, spec) }, farLon, farLat, soon) };
    }
    case 'same-text-far': {
      const [farLon, farLat] = offset(rnd, lon, lat, 2000 + rnd() * 8000);
      return { kind, duplicate: false, a, b: side(rnd, spec, { where, problem }, farLon, farLat, soon) };
    }
    case 'same-text-old': {
      const late = at + rule.windowHours * (1.2 + rnd() * 1.8) * 3_600_000;
      return { kind, duplicate: false, a, b: side(rnd, spec, { where, problem }, nearLon, nearLat, late) };
    }
  }
}

export function generatePairs(seed = SEED): DuplicatePair[] {
  const rnd = prng(seed);
  const pairs: DuplicatePair[] = [];
  for (const kind of Object.keys(COUNTS) as PairKind[]) {
    for (let i = 0; i < COUNTS[kind]; i++) pairs.push({ id: `${kind}-${String(i + 1).padStart(3, '0')}`, ...pair(rnd, kind) });
  }
  return pairs;
}

export const PAIRS_FILE = join(import.meta.dirname, 'duplicate-pairs.jsonl');

export function loadPairs(file = PAIRS_FILE): DuplicatePair[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as DuplicatePair);
}

if (import.meta.main) {
  const text = generatePairs().map((p) => JSON.stringify(p)).join('\n') + '\n';
  if (process.argv.includes('--check')) {
    const same = readFileSync(PAIRS_FILE, 'utf8') === text;
    process.stdout.write(same ? 'corpus/duplicate-pairs.jsonl is up to date\n' : 'corpus/duplicate-pairs.jsonl is stale: run corpus/duplicate-pairs.ts\n');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(PAIRS_FILE, text);
  process.stdout.write(`${text.split('\n').length - 1} pairs → ${PAIRS_FILE}\n`);
}
