/**
 * Triage speed on one core: classifications per second and per-classification p50/p99, with
 * evidence (as the API answers) and without, next to the cost of just tokenising (feature
 * extraction alone) as the reference. Throughput is given twice: per wall-clock second, and per
 * second of this process's CPU time (what one core does; on a loaded machine the wall figure
 * mostly measures waiting for a core).
 *
 * Then the intake step with triage on, in process against a fresh PostgreSQL database seeded
 * with the demo city and its first model: a report (上报, the case loop's transaction) alone,
 * and followed by triage's intake work (classification when uncategorised, duplicate search,
 * hotspot count), alternating so both see the same machine. Skipped when PostgreSQL is not
 * reachable.
 *
 *   node_modules/.bin/node bench/triage-speed.ts
 *
 * Writes bench/results/triage-speed.json.
 */
import { pino } from 'pino';
import { makeContext } from '../src/app.ts';
import { reportCase } from '../src/cases/service.ts';
import { loadConfig } from '../src/config.ts';
import { CityModel } from '../src/divisions/city-model.ts';
import { seededRandom } from '../src/geo/partition.ts';
import { openDb } from '../src/storage/db.ts';
import { onCaseCreated } from '../src/triage/intake.ts';
import { classify, featuresFor } from '../src/triage/model.ts';
import { loadCorpus, trainModel } from '../src/triage/train.ts';
import { cli, figure, fmt, freshDatabase, percentile, postgresProblem, writeResult } from './_support.ts';

const corpus = loadCorpus();
const model = trainModel(corpus.filter((r) => r.split === 'train'));
const texts = corpus.filter((r) => r.split === 'test').map((r) => r.text);
const ROUNDS = 20_000;

interface Row { name: string; perSecond: number; perCpuSecond: number; p50Us: number; p99Us: number }

function run(name: string, fn: (text: string) => unknown): Row {
  for (let i = 0; i < 2000; i++) fn(texts[i % texts.length]);
  const samples = new Float64Array(ROUNDS);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    fn(texts[i % texts.length]);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  samples.sort();
  return {
    name, perSecond: ROUNDS / seconds, perCpuSecond: ROUNDS / ((used.user + used.system) / 1e6),
    p50Us: samples[Math.floor(ROUNDS * 0.5)], p99Us: samples[Math.floor(ROUNDS * 0.99)],
  };
}

const avgChars = texts.reduce((s, t) => s + t.length, 0) / texts.length;
const rows = [
  run('tokenise only (reference)', (t) => featuresFor(model, t, 'app')),
  run('classify, no evidence', (t) => classify(model, t, 'app', false)),
  run('classify with evidence (API)', (t) => classify(model, t, 'app', true)),
];
const long = '解放碑步行街的路灯不亮了'.repeat(834).slice(0, 10_000);
const longRow = run('classify a 10,000-char text', () => classify(model, long, 'app', true));
const api = rows[2];

const out = [
  `${texts.length} held-out reports (mean ${avgChars.toFixed(0)} characters), ${ROUNDS} classifications each, one thread; target ≥ 5,000/s with evidence.`, '',
  '| workload | per wall second | per CPU second | p50 µs | p99 µs |', '|---|---:|---:|---:|---:|',
  ...[...rows, longRow].map((r) => `| ${r.name} | ${fmt(r.perSecond)} | ${fmt(r.perCpuSecond)} | ${r.p50Us.toFixed(1)} | ${r.p99Us.toFixed(1)} |`),
  '', `Classification with evidence costs ${(rows[0].perCpuSecond / api.perCpuSecond).toFixed(1)}× tokenising alone (CPU time).`,
];

// ── the intake step with triage on ──────────────────────────────────────────────────────

interface Latency { name: string; n: number; p50Ms: number; p99Ms: number }
const latency = (name: string, ms: number[]): Latency => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { name, n: ms.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
};

async function intake(): Promise<Latency[] | string> {
  const problem = await postgresProblem();
  if (problem) return `skipped: ${problem}`;
  const url = await freshDatabase('chengyun_bench_triage');
  cli(['seed'], { DATABASE_URL: url });
  const db = await openDb({ databaseUrl: url, dataDir: '' });
  try {
    const config = { ...loadConfig({}), databaseUrl: url };
    const ctx = makeContext({ config, db, city: await CityModel.load(db), log: pino({ level: 'silent' }) });
    // Reports around 40 spots in central Yuzhong and Jiangbei, so duplicate and hotspot queries find neighbours.
    const random = seededRandom('bench:triage-intake');
    const spots: [number, number][] = [];
    while (spots.length < 40) {
      const p: [number, number] = [106.54 + random() * 0.05, 29.54 + random() * 0.03];
      if (ctx.city.locate(p[0], p[1], ctx.today())) spots.push(p);
    }
    const alone: number[] = [];
    const withTriage: number[] = [];
    const triageOnly: number[] = [];
    const N = 800;
    for (let i = 0; i < N + 40; i++) {
      const [lon, lat] = spots[i % spots.length];
      const text = texts[i % texts.length];
      const t0 = performance.now();
      const { case: c } = await reportCase(ctx, { client: 'bench', requestId: `bench-${i}` }, {
        channel: 'hotline', appealType: 'complaint', urgency: 'normal', description: text,
        location: { lon: lon + (random() - 0.5) * 0.0006, lat: lat + (random() - 0.5) * 0.0006, crs: 'wgs84' },
      });
      const t1 = performance.now();
      if (i % 2 === 1) await onCaseCreated(ctx, c.id);
      const t2 = performance.now();
      if (i < 40) continue; // warm-up
      if (i % 2 === 0) alone.push(t1 - t0);
      else {
        withTriage.push(t2 - t0);
        triageOnly.push(t2 - t1);
      }
    }
    return [latency('report alone (reference)', alone), latency('report + triage (classify, duplicates, hotspots)', withTriage), latency('triage step alone', triageOnly)];
  } finally {
    await db.close();
  }
}

const intakeRows = await intake();
out.push('', 'Intake with triage on (in process, fresh PostgreSQL, one report at a time):', '');
if (typeof intakeRows === 'string') out.push(intakeRows);
else {
  out.push('| step | reports | p50 ms | p99 ms |', '|---|---:|---:|---:|', ...intakeRows.map((r) => `| ${r.name} | ${r.n} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} |`));
  out.push('', `p99 ratio, report + triage / report alone: ${(intakeRows[1].p99Ms / intakeRows[0].p99Ms).toFixed(2)}×`);
}
process.stdout.write(`${out.join('\n')}\n`);
const figures = [
  ...[...rows.slice(1), longRow].map((r) => figure(`${r.name}, per CPU second`, r.perCpuSecond, 'classifications/s', { name: rows[0].name, value: rows[0].perCpuSecond })),
  ...(typeof intakeRows === 'string' ? [] : [figure('intake p99 with triage on', intakeRows[1].p99Ms, 'ms', { name: 'intake p99 alone', value: intakeRows[0].p99Ms }, 'lower')]),
];
writeResult('triage-speed', { rows, long: longRow, intake: intakeRows, figures });
