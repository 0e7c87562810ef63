/**
 * Runs every benchmark in bench/ (or those named on the command line), one after another so
 * they don't compete for the two cores, and collects their Markdown output in
 * bench/results/summary.md. Each benchmark writes its own JSON to bench/results/<name>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
/** Long runs that go only when named: `npm run bench -- soak`. */
const ON_REQUEST = new Set(['soak.ts']);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => (wanted.length === 0 ? !ON_REQUEST.has(f) : wanted.some((w) => f.includes(w))))
  .sort();

mkdirSync(join(dir, 'results'), { recursive: true });
const sections: string[] = [`# chengyun benchmarks\n\n${new Date().toISOString()} · Node ${process.version} · ${process.platform}/${process.arch}\n`];
let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n━━ ${file}\n`);
  const result = spawnSync(process.execPath, [join(dir, file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(result.stdout);
  if (result.status !== 0) failed++;
  sections.push(`## ${basename(file, '.ts')}\n\n${result.status === 0 ? result.stdout.trim() : `failed with exit code ${result.status}`}\n`);
}
writeFileSync(join(dir, 'results', 'summary.md'), sections.join('\n'));
process.stdout.write(`\nsummary written to bench/results/summary.md\n`);
process.exit(failed ? 1 : 0);
