/**
 * Process entry for `chengyun serve`: read config, open storage, migrate, load the city
 * model, listen; on SIGTERM/SIGINT stop taking requests, finish those in flight, close storage.
 */
import { pino, type Logger } from 'pino';
import { makeContext, type AppContext } from './app.ts';
import type { Config } from './config.ts';
import { CityModel } from './divisions/city-model.ts';
import { countDivisions } from './divisions/store.ts';
import { buildServer, type ChengyunServer } from './http/server.ts';
import { openDb, type Db } from './storage/db.ts';
import { migrate } from './storage/migrate.ts';
import { startCaseTimerWorker } from './cases/timers.ts';
import { startWebhookWorker } from './notify/index.ts';
import { NatsEventBus } from './events/nats-bus.ts';
import { Membership } from './cluster/index.ts';
import { startSensing } from './sensing/index.ts';
import { startLifeline } from './sensing/alarms/runtime.ts';
import { startVitalSignsWorker } from './sensing/vital-signs.ts';

export function makeLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], censor: '[redacted]' },
  });
}

export async function openStorage(config: Config, log: Logger): Promise<Db> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  return db;
}

export class NotSeededError extends Error {}

export async function loadContext(config: Config, db: Db, log: Logger): Promise<AppContext> {
  if ((await countDivisions(db)) === 0) {
    throw new NotSeededError('The database has no city model yet: run `chengyun seed` (or `npm start` for the demo).');
  }
  const started = performance.now();
  const city = await CityModel.load(db);
  log.info({ grids: city.gridCount, ms: Math.round(performance.now() - started) }, 'city model loaded');
  // With NATS, events published here reach the live streams of every node.
  const bus = config.natsUrl ? await NatsEventBus.connect({ servers: config.natsUrl, nodeId: config.nodeId, namespace: config.natsNamespace, log }) : undefined;
  if (config.natsUrl) log.info({ node: config.nodeId }, 'events shared with other nodes over NATS JetStream');
  const cluster = new Membership(db, { nodeId: config.nodeId, leaseMs: config.nodeLeaseMs, log });
  return makeContext({ config, db, city, log, bus, cluster });
}

/** Longest a request in flight may take to finish after a stop signal. */
const SHUTDOWN_GRACE_MS = 25_000;

export interface Running { server: ChengyunServer; ctx: AppContext; url: string; stop(): Promise<void> }

export async function serve(ctx: AppContext): Promise<Running> {
  const server = await buildServer(ctx);
  if (ctx.cluster instanceof Membership) await ctx.cluster.start();
  // Outbound webhooks: deliveries are claimed with skip-locked, so every node runs a worker.
  const stopWebhooks = startWebhookWorker(ctx, { intervalMs: 1000 });
  // SLA timers: claimed with skip-locked in the transaction that records their effect.
  const stopCaseTimers = startCaseTimerWorker(ctx, { intervalMs: 2000 });
  // Alarm rules evaluate every stored batch (plugged in before ingest starts); offline checks every 15 s.
  const lifeline = await startLifeline(ctx, { tickMs: 15_000 });
  const stopVitalSigns = startVitalSignsWorker(ctx);
  // Lifeline sensing: rollup flush, retention, MQTT ingest when MQTT_URL is set.
  const sensingWorkers = await startSensing(ctx);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ctx.log.info('shutting down: finishing requests in flight');
      // Sensors of nodes stopping at the same time are for the nodes that stay.
      lifeline.partition?.leaving();
      const closing = server.close();
      // Keep-alive connections turn idle once their request is answered; close them as they do,
      // and after a grace period close whatever is left.
      const sweep = setInterval(() => server.server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => server.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closing;
      clearInterval(sweep);
      clearTimeout(deadline);
      // Then the workers: requests in flight (ingest among them) needed them until now.
      await stopCaseTimers();
      await sensingWorkers.stop();
      stopVitalSigns();
      await lifeline.stop();
      await stopWebhooks();
      if (ctx.cluster instanceof Membership) await ctx.cluster.stop();
      // Events published by the last requests still go out to the other nodes.
      await ctx.bus.close?.();
      await ctx.db.close();
      ctx.log.info('stopped');
    })();
    return stopping;
  };
  // The stop signal is handled before the first request can be acknowledged.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop().then(() => process.exit(0), (error) => {
        ctx.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    });
  }
  const address = await server.listen({ host: ctx.config.host, port: ctx.config.port });
  return { server, ctx, url: ctx.config.publicUrl ?? address, stop };
}
