/**
 * Triage speed on one core: classifications per second and per-classification p50/p99, with
 * evidence (as the API answers) and without, next to the cost of just tokenising (feature
 * extraction alone) as the reference.
 *
 *   node_modules/.bin/node bench/triage-speed.ts
 *
 * Writes bench/results/triage-speed.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify, featuresFor } from '../src/triage/model.ts';
import { loadCorpus, trainModel } from '../src/triage/train.ts';
import { figure } from './_support.ts';

const corpus = loadCorpus();
const model = trainModel(corpus.filter((r) => r.split === 'train'));
const texts = corpus.filter((r) => r.split === 'test').map((r) => r.text);
const ROUNDS = 20_000;

function run(name: string, fn: (text: string) => unknown): { name: string; perSecond: number; p50Us: number; p99Us: number } {
  for (let i = 0; i < 2000; i++) fn(texts[i % texts.length]);
  const samples = new Float64Array(ROUNDS);
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    fn(texts[i % texts.length]);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  return { name, perSecond: ROUNDS / seconds, p50Us: samples[Math.floor(ROUNDS * 0.5)], p99Us: samples[Math.floor(ROUNDS * 0.99)] };
}

const avgChars = texts.reduce((s, t) => s + t.length, 0) / texts.length;
const rows = [
  run('tokenise only (reference)', (t) => featuresFor(model, t, 'app')),
  run('classify, no evidence', (t) => classify(model, t, 'app', false)),
  run('classify with evidence (API)', (t) => classify(model, t, 'app', true)),
];
const long = '解放碑步行街的路灯不亮了'.repeat(834).slice(0, 10_000);
const longRow = run('classify a 10,000-char text', () => classify(model, long, 'app', true));

const out = [
  `${texts.length} held-out reports (mean ${avgChars.toFixed(0)} characters), ${ROUNDS} classifications each, one thread; target ≥ 5,000/s.`, '',
  '| workload | per second | p50 µs | p99 µs |', '|---|---:|---:|---:|',
  ...[...rows, longRow].map((r) => `| ${r.name} | ${Math.round(r.perSecond).toLocaleString('en')} | ${r.p50Us.toFixed(1)} | ${r.p99Us.toFixed(1)} |`),
];
process.stdout.write(`${out.join('\n')}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const figures = [...rows.slice(1), longRow].map((r) => figure(r.name, r.perSecond, 'classifications/s', { name: rows[0].name, value: rows[0].perSecond }));
writeFileSync(join(import.meta.dirname, 'results', 'triage-speed.json'), JSON.stringify({ rows, long: longRow, figures }, null, 2));
