/**
 * Sensing data the map and the vital-signs page share: every sensor of an area (paged), sensor
 * type names, and the thresholds that apply to one sensor (its own override, else its asset's,
 * else the type default — the rule engine's order).
 */
import * as api from './api/endpoints.ts';
import type { AlarmLevel, AlarmRule, Sensor, SensorType } from './api/types.ts';

/** Most sensors an area view loads; the page says when there are more. */
export const SENSOR_CAP = 10_000;

export interface SensorList { items: Sensor[]; total: number }

/** All sensors of a division up to SENSOR_CAP, or null when sensing is not deployed. */
export async function sensorsOf(division: string): Promise<SensorList | null> {
  const first = await api.sensorPage(division);
  if (!first) return null;
  const items = [...first.items];
  while (items.length < Math.min(first.total, SENSOR_CAP)) {
    const next = await api.sensorPage(division, items.length);
    if (!next?.items.length) break;
    items.push(...next.items);
  }
  return { items, total: first.total };
}

let types: Promise<Map<string, SensorType>> | undefined;
/** Sensor types by code (loaded once; empty when sensing is not deployed). */
export function sensorTypes(): Promise<Map<string, SensorType>> {
  types ??= api.sensorTypes().then((r) => new Map((r?.sensorTypes ?? []).map((x) => [x.code, x])), (e) => {
    types = undefined;
    throw e;
  });
  return types;
}

export const LEVELS: readonly AlarmLevel[] = ['blue', 'yellow', 'orange', 'red'];

export interface Threshold { level: AlarmLevel; value: number; direction: 'above' | 'below' }

/** Threshold lines for a sensor from its type's rules, the most specific threshold rule winning. */
export function thresholdsOf(sensor: Pick<Sensor, 'id' | 'assetId'>, rules: readonly AlarmRule[]): Threshold[] {
  const candidates = rules.filter((r) => r.kind === 'threshold');
  const rule = candidates.find((r) => r.scope === 'sensor' && r.targetId === sensor.id)
    ?? candidates.find((r) => r.scope === 'asset' && sensor.assetId !== null && r.targetId === sensor.assetId)
    ?? candidates.find((r) => r.scope === 'type');
  if (!rule?.enabled || !rule.params.thresholds) return [];
  const direction = rule.params.direction ?? 'above';
  return LEVELS.flatMap((level) => {
    const value = rule.params.thresholds?.[level];
    return value === undefined ? [] : [{ level, value, direction }];
  });
}
