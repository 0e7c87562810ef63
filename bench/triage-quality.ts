/**
 * Triage quality on the corpus's held-out test split.
 *
 *   node_modules/.bin/node bench/triage-quality.ts
 *
 * Trains the shipped configuration on the train split, then prints accuracy and macro-F1 per
 * output next to two references — the majority class, and a keyword baseline (the category
 * whose catalogue name or alias occurs in the text; its domain; urgency from the safety
 * lexicon alone) — the urgency and domain confusion matrices, the share routed without a
 * person at the threshold and its accuracy, and 特急 recall. Writes bench/results/triage-quality.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES, DOMAINS } from '../src/categories/catalogue.ts';
import { safetyFloor } from '../src/triage/lexicon.ts';
import { OUTPUTS, type Output } from '../src/triage/model.ts';
import { accuracy, AUTO_ROUTE_THRESHOLD, confusion, evaluate, loadCorpus, macroF1, trainModel, type Confusion } from '../src/triage/train.ts';
import { figure } from './_support.ts';

const corpus = loadCorpus();
const train = corpus.filter((r) => r.split === 'train');
const test = corpus.filter((r) => r.split === 'test');
const gold = (o: Output) => test.map((r) => (o === 'category' ? r.categoryCode : o === 'appealType' ? r.appealType : o === 'domain' ? r.domain : r.urgency));
const trainGold = (o: Output) => train.map((r) => (o === 'category' ? r.categoryCode : o === 'appealType' ? r.appealType : o === 'domain' ? r.domain : r.urgency));

const started = performance.now();
const model = trainModel(train);
const trainSeconds = (performance.now() - started) / 1000;
const metrics = evaluate(model, test);

function majority(o: Output): string[] {
  const counts = new Map<string, number>();
  for (const v of trainGold(o)) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  return test.map(() => top);
}

// Keyword baseline: longest catalogue name/alias found in the text wins.
const names = CATEGORIES.flatMap((c) => [c.name, ...(c.aliases ?? [])].map((n) => ({ n, c }))).sort((a, b) => b.n.length - a.n.length);
const APPEAL_WORDS: [string, string][] = [['举报', 'report'], ['投诉', 'complaint'], ['建议', 'suggestion'], ['咨询', 'consult'], ['请问', 'consult'], ['感谢', 'praise'], ['点赞', 'praise'], ['表扬', 'praise']];
function keyword(o: Output): string[] {
  const fallback = majority(o)[0];
  return test.map((r) => {
    if (o === 'urgency') return safetyFloor(r.text)?.level ?? 'normal';
    if (o === 'appealType') return APPEAL_WORDS.find(([w]) => r.text.includes(w))?.[1] ?? 'help';
    const hit = names.find((x) => r.text.includes(x.n))?.c;
    if (!hit) return fallback;
    return o === 'category' ? hit.code : hit.domain;
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const out: string[] = [];
out.push(`Corpus: ${train.length} train / ${test.length} held-out test reports (synthetic, template-composed: figures are optimistic for real reports). Training took ${trainSeconds.toFixed(1)} s.\n`);
out.push('| output | majority class acc / macro-F1 | keyword baseline acc / macro-F1 | model acc / macro-F1 |');
out.push('|---|---|---|---|');
const baselines: Record<string, unknown> = {};
for (const o of OUTPUTS) {
  const g = gold(o);
  const m = majority(o);
  const k = keyword(o);
  baselines[o] = { majority: { accuracy: accuracy(g, m), macroF1: macroF1(g, m) }, keyword: { accuracy: accuracy(g, k), macroF1: macroF1(g, k) } };
  out.push(`| ${o} | ${pct(accuracy(g, m))} / ${pct(macroF1(g, m))} | ${pct(accuracy(g, k))} / ${pct(macroF1(g, k))} | **${pct(metrics.outputs[o].accuracy)} / ${pct(metrics.outputs[o].macroF1)}** |`);
}
const kwUrg = keyword('urgency');
const kwCrit = test.filter((r, i) => r.urgency === 'critical' && kwUrg[i] === 'critical').length / Math.max(1, metrics.criticalCount);
out.push('');
out.push(`特急 recall: model + safety lexicon **${pct(metrics.criticalRecall)}** of ${metrics.criticalCount} (lexicon alone ${pct(kwCrit)}).`);
out.push(`Auto-routed at category confidence ≥ ${AUTO_ROUTE_THRESHOLD}: **${pct(metrics.autoRouted.share)}** of reports, category accuracy among them **${pct(metrics.autoRouted.categoryAccuracy)}** (overall ${pct(metrics.outputs.category.accuracy)}).`);

function table(title: string, c: Confusion, short: (l: string) => string): void {
  out.push('', `${title} (rows: truth, columns: predicted)`, '', `| | ${c.labels.map(short).join(' | ')} |`, `|---|${c.labels.map(() => '---:').join('|')}|`);
  c.counts.forEach((row, i) => out.push(`| ${short(c.labels[i])} | ${row.join(' | ')} |`));
}
table('Urgency confusion', metrics.confusion.urgency, (l) => ({ normal: '一般', urgent: '紧急', critical: '特急' })[l] ?? l);
table('Domain confusion', metrics.confusion.domain, (l) => DOMAINS.find((d) => d.code === l)?.name ?? l);
void confusion;

process.stdout.write(`${out.join('\n')}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const figures = [
  ...OUTPUTS.map((o) => figure(`${o} accuracy`, metrics.outputs[o].accuracy * 100, '%', { name: 'keyword baseline', value: (baselines[o] as { keyword: { accuracy: number } }).keyword.accuracy * 100 })),
  figure('特急 recall', metrics.criticalRecall * 100, '%', { name: 'safety lexicon alone', value: kwCrit * 100 }),
];
writeFileSync(join(import.meta.dirname, 'results', 'triage-quality.json'), JSON.stringify({ trainSeconds, metrics, baselines, figures }, null, 2));
