/**
 * `chengyun triage …` and the seed's first model.
 */
import { parseArgs } from 'node:util';
import type { Db } from '../storage/db.ts';
import { systemClock } from '../clock.ts';
import { servedModel, trainAndPromote, type TrainOutcome } from './service.ts';
import { OUTPUTS } from './model.ts';

export const TRIAGE_USAGE = `  chengyun triage train [--sample S] [--seed X]  train on corpus/ + operators' corrections, evaluate, promote if better
  chengyun triage status                  the model in service`;

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function describeOutcome(o: TrainOutcome): string {
  const lines = [
    `triage model v${o.version}: ${o.promoted ? 'PROMOTED' : 'not promoted'} (${o.reason})`,
    `  trained on ${o.training.corpus} corpus reports + ${o.training.corrections} corrections in ${o.training.seconds} s; evaluated on ${o.training.test} held-out reports`,
    ...OUTPUTS.map((n) => `  ${n.padEnd(10)} accuracy ${pct(o.metrics.outputs[n].accuracy)}  macro-F1 ${pct(o.metrics.outputs[n].macroF1)}`
      + (o.current ? `   (v${o.current.version}: ${pct(o.current.metrics.outputs[n].macroF1)})` : '')),
    `  特急 recall ${pct(o.metrics.criticalRecall)} of ${o.metrics.criticalCount}; auto-routed at ${o.metrics.autoRouted.threshold}: ${pct(o.metrics.autoRouted.share)} with ${pct(o.metrics.autoRouted.categoryAccuracy)} category accuracy`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs `triage <action>`; returns the exit code. */
export async function runTriage(db: Db, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { sample: { type: 'string' }, seed: { type: 'string' } } });
  const ctx = { db, clock: systemClock };
  if (positionals[0] === 'train') {
    const sample = values.sample === undefined ? 1 : Number(values.sample);
    if (!(sample > 0 && sample <= 1)) throw new Error('--sample must be in (0, 1]');
    const outcome = await trainAndPromote(ctx, { sample, by: 'cli', ...(values.seed ? { options: { seed: values.seed } } : {}) });
    process.stdout.write(describeOutcome(outcome));
    return 0;
  }
  if (positionals[0] === 'status') {
    const current = await servedModel(ctx);
    process.stdout.write(current ? `triage model v${current.version} in service\n` : 'no triage model in service: run `chengyun triage train`\n');
    return 0;
  }
  process.stderr.write(`usage:\n${TRIAGE_USAGE}\n`);
  return 2;
}

/**
 * The seed's model: training takes a few seconds, so a fresh database gets one at once
 * rather than on first use. Left alone when a model is already in service.
 */
export async function seedTriageModel(db: Db): Promise<string> {
  const ctx = { db, clock: systemClock };
  if (await servedModel(ctx)) return '  triage model already in service, left as is\n';
  const o = await trainAndPromote(ctx, { by: 'seed' });
  return `  triage model v${o.version} trained in ${o.training.seconds} s (category macro-F1 ${pct(o.metrics.outputs.category.macroF1)})\n`;
}
