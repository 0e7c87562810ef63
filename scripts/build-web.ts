/**
 * Builds the web console (web/ → web/dist) when its sources are newer than the build; a no-op
 * otherwise, so `npm start` and the end-to-end tests can call it every time.
 * `--force` builds regardless.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../web/', import.meta.url));
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

function newest(path: string): number {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

export function webBuildIsStale(): boolean {
  const built = newest(join(WEB, 'dist', 'index.html'));
  return built === 0 || SOURCES.some((s) => newest(join(WEB, s)) > built);
}

export function buildWeb(): void {
  const started = performance.now();
  const result = spawnSync(fileURLToPath(new URL('../node_modules/.bin/vite', import.meta.url)), ['build', WEB, '--logLevel', 'warn'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`web build failed (exit ${result.status})`);
  process.stderr.write(`web console built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

if (import.meta.main) {
  if (process.argv.includes('--force') || webBuildIsStale()) buildWeb();
}
