/**
 * Runs every benchmark in bench/ (or those named on the command line), one after another so
 * they don't compete for the cores, each in its own process. Collects the figures each one
 * wrote (writeResult('<name>', { figures, … }) in bench/_support.ts) into
 *   bench/results/<timestamp>.json and latest.json   machine-readable, every figure with its reference
 *   bench/results/latest.md                          a short table of figures and ratios
 *   bench/results/summary.md                         every benchmark's own Markdown output
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import type { Figure } from './_support.ts';

const dir = import.meta.dirname;
const results = join(dir, 'results');
const wanted = process.argv.slice(2);
/** Long runs that go only when named: `npm run bench -- soak`. */
const ON_REQUEST = new Set(['soak.ts']);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => (wanted.length === 0 ? !ON_REQUEST.has(f) : wanted.some((w) => f.includes(w))))
  .sort();

interface Outcome { benchmark: string; status: 'ok' | 'failed' | 'no figures'; exitCode: number | null; seconds: number; figures: Figure[] }

mkdirSync(results, { recursive: true });
const started = new Date();
const sections: string[] = [`# chengyun benchmarks\n\n${started.toISOString()} · Node ${process.version} · ${process.platform}/${process.arch}\n`];
const outcomes: Outcome[] = [];
for (const file of benches) {
  const name = basename(file, '.ts');
  process.stdout.write(`\n━━ ${file}\n`);
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [join(dir, file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(result.stdout);
  sections.push(`## ${name}\n\n${result.status === 0 ? result.stdout.trim() : `failed with exit code ${result.status}`}\n`);
  const json = join(results, `${name}.json`);
  // Only what this run wrote counts: a benchmark that skipped (no PostgreSQL) leaves no fresh file.
  const fresh = existsSync(json) && statSync(json).mtimeMs >= t0 + performance.timeOrigin - 1000;
  const figures = fresh ? ((JSON.parse(readFileSync(json, 'utf8')) as { figures?: Figure[] }).figures ?? []) : [];
  const status = result.status !== 0 ? 'failed' : figures.length ? 'ok' : 'no figures';
  outcomes.push({ benchmark: name, status, exitCode: result.status, seconds, figures: figures.map(withRatio) });
}

function withRatio(f: Figure): Figure {
  return f.reference && f.ratio === undefined && f.reference.value ? { ...f, ratio: f.value / f.reference.value } : f;
}

const load = os.loadavg();
const report = {
  date: started.toISOString(), node: process.version, platform: `${process.platform}/${process.arch}`,
  cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadAverage: load,
  commit: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout.trim() || null,
  benchmarks: outcomes,
};
const stamp = started.toISOString().replace(/[:.]/g, '-');
writeFileSync(join(results, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(results, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);

const num = (v: number) => (Math.abs(v) >= 100 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : Number(v.toPrecision(3)).toString());
const rows = outcomes.flatMap((o) => (o.figures.length
  ? o.figures.map((f) => `| ${o.benchmark} | ${f.name} | ${num(f.value)} ${f.unit} | ${f.reference ? `${f.reference.name}: ${num(f.reference.value)} ${f.unit}` : '–'} | ${f.ratio === undefined ? '–' : `${num(f.ratio)}×`}${f.better === 'lower' ? ' (lower is better)' : ''} |`)
  : [`| ${o.benchmark} | ${o.status}${o.exitCode ? ` (exit ${o.exitCode})` : ''} | | | |`]));
writeFileSync(join(results, 'latest.md'), [
  `# Benchmarks ${started.toISOString()}`, '',
  `Node ${process.version}, ${os.cpus().length} × ${report.cpu}, load average ${load.map((l) => l.toFixed(1)).join(' / ')} at the end (other work on the machine skews figures).`, '',
  '| benchmark | figure | value | reference | ratio |', '| --- | --- | ---: | --- | ---: |', ...rows, '',
].join('\n'));
writeFileSync(join(results, 'summary.md'), sections.join('\n'));
process.stdout.write(`\nresults: bench/results/latest.md, latest.json, ${stamp}.json; full output: summary.md\n`);
process.exit(outcomes.some((o) => o.status === 'failed') ? 1 : 0);
