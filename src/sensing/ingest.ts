/** Taking a batch of readings from an authenticated source: check, store, summarise. */
import type { AppContext } from '../app.ts';
import type { IngestPipeline } from './ingest-pipeline.ts';
import { checkReadings, type IngestSource, type Rejection, type TimeWindow } from './ingest-validate.ts';
import type { SensorRegistry } from './registry.ts';

/** Readings may be stamped at most this far ahead of the server's clock. */
export const MAX_AHEAD_MS = 5 * 60_000;

export interface IngestSummary {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** The refused items (first 1,000): index in the batch, sensor, reason. */
  rejections: Rejection[];
}

export function timeWindow(ctx: AppContext): TimeWindow {
  return { now: ctx.clock().getTime(), maxAheadMs: MAX_AHEAD_MS, maxAgeMs: ctx.config.sensingRawDays * 86_400_000 };
}

/** Resolves once the accepted readings are durably stored; throws IngestBusy when the pipeline is full. */
export async function ingestBatch(
  ctx: AppContext, parts: { registry: SensorRegistry; pipeline: IngestPipeline }, source: IngestSource, items: readonly unknown[],
): Promise<IngestSummary> {
  const checked = checkReadings(items, source, parts.registry, timeWindow(ctx));
  const stored = await parts.pipeline.submit(checked, source.key, checked.rejected);
  return {
    received: items.length, accepted: stored.accepted, duplicates: stored.duplicates, rejected: checked.rejected.length,
    rejections: checked.rejected.slice(0, 1000),
  };
}
