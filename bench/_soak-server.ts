/**
 * `chengyun serve` for bench/soak.ts, answering 'memory' over IPC with the process's RSS and
 * heap (after a garbage collection when --expose-gc is on), so the soak can watch for leaks.
 */
import { loadConfig } from '../src/config.ts';
import { loadContext, makeLogger, openStorage, serve } from '../src/main.ts';

const config = loadConfig();
const log = makeLogger(config);
const ctx = await loadContext(config, await openStorage(config, log), log);
await serve(ctx);

process.on('message', (message) => {
  if (message !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.send?.({ rss: m.rss, heapUsed: m.heapUsed, external: m.external });
});

// The soak is this process's only client: when it dies (a crash, an out-of-memory abort) the
// IPC channel closes, and a server left behind would hold 1,000 sockets and skew the next run.
process.on('disconnect', () => process.exit(1));
