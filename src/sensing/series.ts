/**
 * Time series reads and upkeep: chart queries at raw, 1-minute or 1-hour resolution, the
 * periodic rollup flush and the retention job.
 */
import type { AppContext } from '../app.ts';
import { Problem } from '../http/errors.ts';
import type { RollupBuffer } from './series-rollup.ts';
import { HOUR_MS, MINUTE_MS } from './series-rollup.ts';
import * as store from './series-store.ts';
import type { Db } from '../storage/db.ts';

export type QueryResolution = 'raw' | '1m' | '1h';

/** Most points one query returns. */
export const MAX_POINTS = 10_000;

const DAY_MS = 86_400_000;

/** The finest resolution whose points over the range stay under a chart's worth. */
export function autoResolution(from: number, to: number): QueryResolution {
  const span = to - from;
  if (span <= 6 * HOUR_MS) return 'raw';
  if (span <= 7 * DAY_MS) return '1m';
  return '1h';
}

export interface SeriesAnswer {
  resolution: QueryResolution;
  from: string;
  to: string;
  truncated: boolean;
  points: ({ ts: string; value: number } | { ts: string; min: number; max: number; avg: number; count: number })[];
}

export async function querySeries(db: Db, flush: () => Promise<void>, num: number, from: number, to: number, resolution: QueryResolution | 'auto'): Promise<SeriesAnswer> {
  if (!(from < to)) throw new Problem('CY_VALIDATION', 'from must be before to', [{ pointer: '/querystring/from', message: 'from ≥ to' }]);
  const chosen = resolution === 'auto' ? autoResolution(from, to) : resolution;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (chosen === 'raw') {
    const rows = await store.rawReadings(db, num, from, to, MAX_POINTS + 1);
    return { resolution: chosen, from: iso(from), to: iso(to), truncated: rows.length > MAX_POINTS, points: rows.slice(0, MAX_POINTS).map((r) => ({ ts: iso(r.ts), value: r.value })) };
  }
  // Deltas still in memory belong in the answer.
  await flush();
  const bucket = chosen === '1m' ? MINUTE_MS : HOUR_MS;
  const rows = await store.rollupReadings(db, chosen, num, Math.floor(from / bucket) * bucket, to, MAX_POINTS + 1);
  return {
    resolution: chosen, from: iso(from), to: iso(to), truncated: rows.length > MAX_POINTS,
    points: rows.slice(0, MAX_POINTS).map((r) => ({ ts: iso(r.ts), min: r.min, max: r.max, avg: r.avg, count: r.count })),
  };
}

/** Writes the buffered rollup deltas; one flush at a time, a failed one keeps its deltas for the next. */
export function rollupFlusher(db: Db, buffer: RollupBuffer): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = async () => {
    if (buffer.size === 0) return;
    const deltas = buffer.take();
    try {
      await db.transaction(async (tx) => {
        await store.mergeRollups(tx, '1m', MINUTE_MS, deltas.m1);
        await store.mergeRollups(tx, '1h', HOUR_MS, deltas.h1);
      });
    } catch (error) {
      buffer.restore(deltas);
      throw error;
    }
  };
  return async () => {
    while (running) await running.catch(() => undefined);
    running = once().finally(() => { running = undefined; });
    return running;
  };
}

/** Deletes readings and rollups past their retention (src/config.ts: SENSING_RAW_DAYS, SENSING_1M_DAYS, SENSING_1H_DAYS). */
export async function pruneSeries(ctx: AppContext): Promise<{ raw: number; m1: number; h1: number }> {
  const now = ctx.clock().getTime();
  const c = ctx.config;
  return store.prune(ctx.db, { raw: now - c.sensingRawDays * DAY_MS, m1: now - c.sensingMinuteDays * DAY_MS, h1: now - c.sensingHourDays * DAY_MS });
}
