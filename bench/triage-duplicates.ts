/**
 * Duplicate detection (重复件) on the labelled pairs in corpus/duplicate-pairs.jsonl.
 *
 *   node_modules/.bin/node bench/triage-duplicates.ts
 *
 * Each pair is an open case (its category set) and a later uncategorised report (its category
 * predicted by the model trained on the corpus's train split, as at intake). Prints precision,
 * recall and F1 at the shipped threshold, per pair kind, and a threshold sweep, next to two
 * references: "every open case within the radius and window" (place and time only) and "text
 * similarity alone" (no radius or window). Writes bench/results/triage-duplicates.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPairs, type PairKind } from '../corpus/duplicate-pairs.ts';
import { classify } from '../src/triage/model.ts';
import { AUTO_ROUTE_THRESHOLD, loadCorpus, trainModel } from '../src/triage/train.ts';
import { cosine, DUPLICATE_THRESHOLD, idfTable, matchDuplicate, ruleIndex, sketch, type DuplicateSubject } from '../src/triage/duplicates.ts';

const pairs = loadPairs();
const train = loadCorpus().filter((r) => r.split === 'train');
const model = trainModel(train);
const idf = idfTable(train.map((r) => r.text));
const rules = ruleIndex();

const scored = pairs.map((p) => {
  const predicted = classify(model, p.b.text, p.b.channel, false);
  const bCategory = predicted.outOfDomain || predicted.category.confidence < AUTO_ROUTE_THRESHOLD ? null : predicted.category.value;
  const a: DuplicateSubject = { sketch: sketch(p.a.text, idf), categoryCode: p.a.categoryCode, lon: p.a.lon, lat: p.a.lat, at: Date.parse(p.a.at) };
  const b: DuplicateSubject = { sketch: sketch(p.b.text, idf), categoryCode: bCategory, lon: p.b.lon, lat: p.b.lat, at: Date.parse(p.b.at) };
  const match = matchDuplicate(b, a, rules);
  return { pair: p, score: match?.score ?? 0, inReach: match !== null, similarity: cosine(a.sketch, b.sketch) };
});

interface Prf { threshold: number; precision: number; recall: number; f1: number; proposed: number }
function prf(decide: (s: (typeof scored)[number]) => boolean, threshold = NaN): Prf {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const s of scored) {
    const yes = decide(s);
    if (yes && s.pair.duplicate) tp++;
    else if (yes) fp++;
    else if (s.pair.duplicate) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  return { threshold, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, proposed: tp + fp };
}

const chosen = prf((s) => s.score >= DUPLICATE_THRESHOLD, DUPLICATE_THRESHOLD);
const placeTime = prf((s) => s.inReach);
const sweep = Array.from({ length: 15 }, (_, i) => Math.round((0.1 + i * 0.05) * 100) / 100).map((t) => prf((s) => s.score >= t, t));
// Text alone gets its best threshold, to be fair to it.
const textOnly = Array.from({ length: 19 }, (_, i) => 0.05 + i * 0.05).map((t) => prf((s) => s.similarity >= t, Math.round(t * 100) / 100)).sort((x, y) => y.f1 - x.f1)[0];
const kinds = [...new Set(pairs.map((p) => p.kind))] as PairKind[];
const byKind = kinds.map((kind) => {
  const of = scored.filter((s) => s.pair.kind === kind);
  return { kind, duplicate: of[0].pair.duplicate, pairs: of.length, proposed: of.filter((s) => s.score >= DUPLICATE_THRESHOLD).length };
});

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const row = (name: string, r: Prf) => `| ${name} | ${pct(r.precision)} | ${pct(r.recall)} | ${pct(r.f1)} | ${r.proposed} |`;
const positives = pairs.filter((p) => p.duplicate).length;
const out = [
  `${pairs.length} labelled pairs (${positives} duplicates), synthetic: reports composed from the corpus fragments, so figures are optimistic for real reports.`, '',
  '| method | precision | recall | F1 | proposed |', '|---|---:|---:|---:|---:|',
  row(`**score ≥ ${DUPLICATE_THRESHOLD}** (shipped)`, chosen),
  row('reference: every open case within radius and window', placeTime),
  row(`reference: text similarity alone ≥ ${textOnly.threshold} (its best threshold)`, textOnly),
  '', `F1 ratio, shipped / place-and-time reference: ${(chosen.f1 / placeTime.f1).toFixed(2)}×`,
  '', '| pair kind | duplicate | pairs | proposed |', '|---|---|---:|---:|',
  ...byKind.map((k) => `| ${k.kind} | ${k.duplicate ? 'yes' : 'no'} | ${k.pairs} | ${k.proposed} |`),
  '', 'Threshold sweep:', '', '| threshold | precision | recall | F1 |', '|---:|---:|---:|---:|',
  ...sweep.map((r) => `| ${r.threshold.toFixed(2)} | ${pct(r.precision)} | ${pct(r.recall)} | ${pct(r.f1)} |`),
];
process.stdout.write(`${out.join('\n')}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'triage-duplicates.json'), JSON.stringify({ threshold: DUPLICATE_THRESHOLD, chosen, placeTime, textOnly, byKind, sweep }, null, 2));
