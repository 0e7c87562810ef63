/**
 * Streaming anomaly detection on the Numenta Anomaly Benchmark: the sensing AnomalyDetector
 * (src/sensing/anomaly.ts) with fixed settings on every series, scored by NAB's standard profile
 * (bench/nab/scorer.ts) on the NAB series shipped in bench/nab/data, beside NAB's Windowed
 * Gaussian baseline reproduced exactly and run on the same series, the null detector, and NAB's
 * published full-corpus scoreboard. Also measures the detector's points per second on one core.
 *
 *   node_modules/.bin/node bench/anomaly-nab.ts
 *
 * Writes bench/results/anomaly-nab.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnomalyDetector, EPISODE_ANOMALY_OPTIONS, type AnomalyOptions } from '../src/sensing/anomaly.ts';
import { loadCorpus, type LabelledSeries } from './nab/corpus.ts';
import { PUBLISHED_STANDARD_SCORES, PUBLISHED_WINDOWED_GAUSSIAN } from './nab/published.ts';
import { evaluate, nullScores, scoreFile, type DetectorResult } from './nab/scorer.ts';
import { windowedGaussianScores } from './nab/windowed-gaussian.ts';

// NAB rows carry timestamps; the shipped series keep only the order, so time advances 5 minutes a row.
const STEP_MS = 5 * 60_000;

export function detectorScores(series: LabelledSeries, options: Partial<AnomalyOptions> = {}): number[] {
  const detector = new AnomalyDetector(options);
  return series.values.map((v, i) => detector.score(i * STEP_MS, v));
}

const corpus = loadCorpus();
const rows = corpus.reduce((n, s) => n + s.values.length, 0);
const windows = corpus.reduce((n, s) => n + s.windows.length, 0);

const ours = evaluate(corpus, corpus.map((s) => detectorScores(s, EPISODE_ANOMALY_OPTIONS)));
const oursDefault = evaluate(corpus, corpus.map((s) => detectorScores(s)));
const gaussianScores = corpus.map((s) => windowedGaussianScores(s.values));
const gaussian = evaluate(corpus, gaussianScores);
const nul = evaluate(corpus, nullScores(corpus));

// The reproduction check: NAB's per-file Windowed Gaussian results at its published threshold.
const check = corpus.map((s, k) => {
  const mine = scoreFile(s, gaussianScores[k], 1.0);
  const published = PUBLISHED_WINDOWED_GAUSSIAN[s.name];
  return { name: s.name, mine: mine.score, published: published?.score ?? null, same: !!published && Math.abs(mine.score - published.score) < 1e-6 && mine.tp === published.tp && mine.fp === published.fp };
});

function speed(): number {
  for (const s of corpus.slice(0, 2)) detectorScores(s);
  const started = process.hrtime.bigint();
  let n = 0;
  for (let round = 0; round < 3; round++) for (const s of corpus) n += detectorScores(s, EPISODE_ANOMALY_OPTIONS).length;
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}
const pointsPerSecond = speed();
// The largest saved state over the series (a full window of many-digit values).
const stateBytes = Math.max(...corpus.map((s) => {
  const d = new AnomalyDetector(EPISODE_ANOMALY_OPTIONS);
  s.values.forEach((v, i) => d.score(i * STEP_MS, v));
  return JSON.stringify(d.toJSON()).length;
}));

const hits = (r: DetectorResult) => r.files.reduce((n, f) => n + (f.windows - f.fn), 0);
const fps = (r: DetectorResult) => r.files.reduce((n, f) => n + f.fp, 0);
const line = (name: string, r: DetectorResult) => `| ${name} | **${r.score.toFixed(1)}** | ${r.raw.toFixed(2)} | ${r.threshold.toPrecision(6)} | ${hits(r)} / ${windows} | ${fps(r)} |`;
const categories = [...new Set(corpus.map((s) => s.category))];

const out = [
  `${corpus.length} NAB series (${categories.join(', ')}), ${rows.toLocaleString('en')} rows, ${windows} anomaly windows; standard profile (A_TP 1, A_FP −0.11, A_FN −1), 15 % probation, one threshold per detector over all series.`, '',
  '| detector (on these series) | NAB score | raw | threshold | windows hit | false-positive rows |', '|---|---:|---:|---:|---:|---:|',
  line('chengyun AnomalyDetector, one alarm per episode (EPISODE_ANOMALY_OPTIONS)', ours),
  line('chengyun AnomalyDetector, defaults (a score for every reading)', oursDefault),
  line('Windowed Gaussian (NAB baseline, reproduced)', gaussian),
  line('Null (never useful)', nul), '',
  `Ratio to the reference (NAB's Windowed Gaussian on the same series): ${(ours.score / gaussian.score).toFixed(2)}× with EPISODE_ANOMALY_OPTIONS, ${(oursDefault.score / gaussian.score).toFixed(2)}× with the defaults.`, '',
  'Published NAB v1.1 standard scores on the full 58-file corpus (not the same series; for orientation): ' +
    PUBLISHED_STANDARD_SCORES.map((p) => `${p.detector} ${p.score}`).join(' · ') + '.', '',
  `Reproduction check: Windowed Gaussian per-file raw score, TP and FP rows equal NAB's published results on ${check.filter((c) => c.same).length} of ${check.length} series.`, '',
  '| series | ours raw | Windowed Gaussian raw (threshold 1.0) | published |', '|---|---:|---:|---:|',
  ...corpus.map((s, k) => `| ${s.name} | ${ours.files[k].score.toFixed(3)} | ${check[k].mine.toFixed(3)} | ${check[k].published?.toFixed(3) ?? '—'} |`), '',
  `Detector speed: ${Math.round(pointsPerSecond).toLocaleString('en')} points/s on one core; largest serialised state ${stateBytes.toLocaleString('en')} bytes (JSON).`,
];
process.stdout.write(`${out.join('\n')}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'anomaly-nab.json'), JSON.stringify({ series: corpus.map((s) => s.name), rows, windows, ours, oursDefault, windowedGaussian: gaussian, null: nul, check, pointsPerSecond, stateBytes }, null, 2));
