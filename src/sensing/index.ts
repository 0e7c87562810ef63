/**
 * Lifeline sensing (城市生命线): what other features use. `sensing(ctx)` is the running
 * feature of one application context: the registry in memory, the ingest pipeline, the
 * rollup buffer. The rule engine plugs in with `setEvaluator`, alarms with `setAlarmLookup`.
 * `startSensing` starts the background work of a serving process (rollup flush, retention,
 * MQTT when configured).
 */
import type { AppContext } from '../app.ts';
import type { AlarmLevel, Reading, SensorInfo } from './model.ts';
import { IngestPipeline, type Evaluate } from './ingest-pipeline.ts';
import { SensorRegistry } from './registry.ts';
import type { SensingView } from './registry-service.ts';
import { RollupBuffer } from './series-rollup.ts';
import { pruneSeries, rollupFlusher } from './series.ts';
import { recentActivity } from './series-store.ts';
import { startMqttIngest } from './mqtt.ts';
import { nodeChannelOf } from '../cluster/index.ts';
import { REGISTRY_TOPIC } from './registry-service.ts';

export type { AlarmLevel, Reading, SensorInfo } from './model.ts';
export { SENSOR_TYPES, ASSET_TYPES, sensorType } from './model.ts';

export interface Sensing extends SensingView {
  readonly registry: SensorRegistry;
  readonly pipeline: IngestPipeline;
  readonly rollups: RollupBuffer;
  /**
   * The rule engine: receives stored readings sorted by sensor and ts, in commit order, as
   * columns by sensor number when it has `evaluateColumns`, else as readings.
   */
  setEvaluator(engine: {
    evaluate(batch: readonly Reading[], options: { late?: boolean }): Promise<void>;
    evaluateColumns?: Evaluate;
    /** Whether a reading may raise or escalate an alarm: its request takes the express lane. */
    mayEscalate?(num: number, value: number): boolean;
  } | undefined): void;
  /** Current alarm level of a sensor (for its status), from the alarms feature. */
  setAlarmLookup(lookup: ((sensorId: string) => AlarmLevel | null) | undefined): void;
  /** A sensor by id (or code), once the registry is loaded (`await registry.ready()`). */
  sensorInfo(id: string): SensorInfo | undefined;
  /** Every registered sensor. */
  sensors(): Iterable<SensorInfo>;
  flushRollups(): Promise<void>;
  /** Stores and evaluates what is queued, then flushes the rollups. */
  close(): Promise<void>;
}

const running = new WeakMap<AppContext, Sensing>();

/** Transactions in flight: on PostgreSQL several backends insert at once while this process prepares the next batch. */
const WRITERS = { embedded: 1, postgres: 4 } as const;

export function sensing(ctx: AppContext): Sensing {
  let s = running.get(ctx);
  if (s) return s;
  const registry = new SensorRegistry(ctx.db);
  const pipeline = new IngestPipeline(ctx.db, ctx.log, ctx.clock, {
    capacity: ctx.config.ingestQueueReadings, maxBatch: 50_000, writers: WRITERS[ctx.db.kind],
  });
  const rollups = new RollupBuffer();
  pipeline.onStored = (nums, ts, values, n) => rollups.add(nums, ts, values, n);
  const flushRollups = rollupFlusher(ctx.db, rollups);
  let alarmLookup: ((sensorId: string) => AlarmLevel | null) | undefined;
  s = {
    registry, pipeline, rollups, flushRollups,
    lastSeen: (num) => pipeline.lastSeen(num),
    alarmLevel: (id) => alarmLookup?.(id) ?? null,
    setEvaluator(engine) {
      pipeline.mayEscalate = engine?.mayEscalate?.bind(engine);
      if (engine?.evaluateColumns) {
        pipeline.evaluator = engine.evaluateColumns.bind(engine);
        return;
      }
      pipeline.evaluator = engine && ((batch, options) => {
        const readings: Reading[] = [];
        for (let i = 0; i < batch.n; i++) {
          const sensorId = registry.byNum(batch.nums[i])?.id;
          if (sensorId) readings.push({ sensorId, ts: batch.ts[i], value: batch.values[i] });
        }
        return readings.length ? engine.evaluate(readings, options) : Promise.resolve();
      });
    },
    setAlarmLookup(lookup) {
      alarmLookup = lookup;
    },
    sensorInfo: (id) => registry.get(id),
    *sensors() {
      for (const e of registry.all()) if (e) yield e;
    },
    async close() {
      await pipeline.drain();
      // The last flush: a failed one (the database briefly away) is tried again before giving up its deltas.
      for (let attempt = 1; ; attempt++) {
        try {
          await flushRollups();
          return;
        } catch (error) {
          if (attempt >= 3) throw error;
          ctx.log.warn({ err: error, attempt }, 'rollup flush failed; trying again');
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    },
  };
  running.set(ctx, s);
  return s;
}

export interface SensingWorkers { stop(): Promise<void> }

const FLUSH_MS = 10_000;
const PRUNE_MS = 3_600_000;

/** Background work of a serving process; `stop` finishes queued readings and flushes. */
export async function startSensing(ctx: AppContext): Promise<SensingWorkers> {
  const s = sensing(ctx);
  await s.registry.ready();
  // Last-seen times survive a restart through the rollups: to the hour over two days, to the minute over the last hour.
  const now = ctx.clock().getTime();
  for (const [resolution, since] of [['1h', now - 2 * 86_400_000], ['1m', now - 3_600_000]] as const) {
    for (const { num, ts } of await recentActivity(ctx.db, resolution, since)) s.pipeline.seedLastSeen(num, ts);
  }
  const flush = setInterval(() => {
    s.flushRollups().catch((error: unknown) => ctx.log.error({ err: error }, 'rollup flush failed'));
    s.registry.refresh().catch((error: unknown) => ctx.log.error({ err: error }, 'sensor registry refresh failed'));
  }, FLUSH_MS);
  const prune = setInterval(() => {
    pruneSeries(ctx).then((n) => ctx.log.info({ deleted: n }, 'sensing retention'), (error: unknown) => ctx.log.error({ err: error }, 'sensing retention failed'));
  }, PRUNE_MS);
  flush.unref();
  prune.unref();
  const stopListening = nodeChannelOf(ctx.bus)?.onMessage(REGISTRY_TOPIC, () => {
    s.registry.refresh().catch((error: unknown) => ctx.log.error({ err: error }, 'sensor registry refresh failed'));
  });
  const mqtt = ctx.config.mqttUrl ? await startMqttIngest(ctx, s, { url: ctx.config.mqttUrl, topicRoot: ctx.config.mqttTopicRoot }) : undefined;
  return {
    async stop() {
      clearInterval(flush);
      clearInterval(prune);
      stopListening?.();
      await mqtt?.stop();
      await s.close();
    },
  };
}
