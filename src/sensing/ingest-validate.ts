/**
 * The edge of ingest: a request body (JSON array or NDJSON) to readings, each item checked
 * against the registry. Bad items are refused one by one with a reason; the good ones go on.
 * Runs per reading, so it allocates little and touches no database.
 */
import { Problem } from '../http/errors.ts';
import { normalizeUnit as normalizeUnitImpl, type RejectReason } from './model.ts';
import type { GatewayEntry, SensorEntry, SensorRegistry } from './registry.ts';

/** Where readings come from: one device, or a gateway (unknown sources are counted by name). */
export type IngestSource =
  | { kind: 'device'; sensor: SensorEntry; key: string }
  | { kind: 'gateway'; gateway: GatewayEntry; key: string };

export interface Rejection { index: number; sensor: string | null; reason: RejectReason }

/** Accepted readings as parallel columns (sensor number, epoch ms, value). */
export interface Columns { nums: number[]; ts: number[]; values: number[] }

export interface Checked extends Columns { rejected: Rejection[] }

/** Limits on a reading's time, relative to the server's clock. */
export interface TimeWindow { now: number; maxAheadMs: number; maxAgeMs: number }

/** Parses a body; a JSON document must be an array, NDJSON is one item per line (blank lines skipped). */
export function parseBody(text: string, ndjson: boolean): unknown[] {
  if (!ndjson) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (error) {
      throw new Problem('CY_MALFORMED_BODY', `body is not JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(doc)) throw new Problem('CY_VALIDATION', 'body must be a JSON array of readings {sensor, ts, value}', [{ pointer: '/body', message: 'expected an array' }]);
    return doc;
  }
  const items: unknown[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line) continue;
    try {
      items.push(JSON.parse(line));
    } catch {
      // A garbled line is one refused item, not a refused body.
      items.push(undefined);
    }
  }
  return items;
}

/** Epoch ms from a number (ms) or an ISO 8601 string with a zone; NaN otherwise. */
function timeOf(ts: unknown): number {
  if (typeof ts === 'number') return Number.isFinite(ts) ? ts : NaN;
  if (typeof ts === 'string' && /(Z|[+-]\d{2}:?\d{2})$/.test(ts)) return Date.parse(ts);
  return NaN;
}

/** Checks items; `sensor` may be omitted when a device sends its own readings. */
export function checkReadings(items: readonly unknown[], source: IngestSource, registry: SensorRegistry, window: TimeWindow): Checked {
  const out: Checked = { nums: [], ts: [], values: [], rejected: [] };
  const earliest = window.now - window.maxAgeMs;
  const latest = window.now + window.maxAheadMs;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as { sensor?: unknown; ts?: unknown; value?: unknown; unit?: unknown } | null | undefined;
    const reject = (reason: RejectReason, sensor: string | null) => out.rejected.push({ index: i, sensor, reason });
    if (typeof item !== 'object' || item === null || Array.isArray(item)) { reject('malformed', null); continue; }
    const key = item.sensor ?? (source.kind === 'device' ? source.sensor.id : undefined);
    if (typeof key !== 'string') { reject('malformed', null); continue; }
    const sensor = registry.get(key);
    if (!sensor || !sensor.active) { reject('unknown_sensor', key); continue; }
    if (source.kind === 'device' ? sensor !== source.sensor : sensor.gatewayId !== source.gateway.id) { reject('not_permitted', key); continue; }
    const ts = timeOf(item.ts);
    if (Number.isNaN(ts)) { reject('malformed', key); continue; }
    const value = item.value;
    if (typeof value !== 'number' || !Number.isFinite(value)) { reject('not_a_number', key); continue; }
    if (item.unit !== undefined && (typeof item.unit !== 'string' || normalizeUnitFast(item.unit) !== sensor.unitKey)) { reject('wrong_unit', key); continue; }
    if (ts > latest) { reject('future_timestamp', key); continue; }
    if (ts < earliest) { reject('stale_timestamp', key); continue; }
    if (value < sensor.min || value > sensor.max) { reject('out_of_range', key); continue; }
    out.nums.push(sensor.num);
    out.ts.push(Math.round(ts));
    out.values.push(value);
  }
  return out;
}

const unitCache = new Map<string, string>();

/** normalizeUnit, remembered: devices repeat the same few spellings millions of times. */
function normalizeUnitFast(unit: string): string {
  let key = unitCache.get(unit);
  if (key === undefined) {
    key = normalizeUnitImpl(unit);
    if (unitCache.size < 1000) unitCache.set(unit, key);
  }
  return key;
}

/** Resolves a source from its credentials; undefined when they do not match. */
export function sourceFor(registry: SensorRegistry, kind: 'device' | 'gateway', id: string, matches: (hash: string | null) => boolean): IngestSource | undefined {
  if (kind === 'device') {
    const sensor = registry.get(id);
    return sensor && sensor.active && matches(sensor.secretHash) ? { kind, sensor, key: `device:${sensor.id}` } : undefined;
  }
  const gateway = registry.gateway(id);
  return gateway && gateway.active && matches(gateway.secretHash) ? { kind, gateway, key: `gateway:${gateway.id}` } : undefined;
}
