/** Sensors in memory for rule and alarm tests: located through the city model, fed straight to the engine. */
import type { TestApp } from '../../support/app.ts';
import type { Reading, SensorInfo } from '../../../src/sensing/model.ts';
import { loadLifeline, type Lifeline } from '../../../src/sensing/alarms/runtime.ts';
import type { SensorSource } from '../../../src/sensing/rules/engine.ts';
import { saveRule } from '../../../src/sensing/rules/store.ts';
import type { RuleParams } from '../../../src/sensing/rules/model.ts';

export class FakeSensors implements SensorSource {
  readonly map = new Map<string, SensorInfo>();
  /** Sensor numbers (ingest's key): the position in insertion order. */
  byNum(num: number) { return [...this.map.values()][num]; }
  numOf(id: string) { return [...this.map.keys()].indexOf(id); }
  get(id: string) { return this.map.get(id); }
  all() { return this.map.values(); }
}

export function makeSensor(app: TestApp, point: [number, number], s: { id: string; type: string; assetId?: string; ownerUnitId?: string; intervalSeconds?: number }): SensorInfo {
  const place = app.ctx.city.locate(point[0], point[1], app.ctx.today());
  if (!place) throw new Error('point outside the city');
  return {
    id: s.id, code: s.id, type: s.type, unit: '', assetId: s.assetId ?? null, assetType: s.assetId ? 'pipe_segment' : null,
    ownerUnitId: s.ownerUnitId ?? 'D-500000-gas',
    divisionCodes: [place.city.code, place.district.code, place.street.code, place.community.code, place.grid.code],
    lon: point[0], lat: point[1], intervalSeconds: s.intervalSeconds ?? 60,
  };
}

export const T0 = Date.parse('2026-11-20T02:00:00Z');
export const at = (seconds: number) => T0 + seconds * 1000;
export const series = (sensorId: string, points: [number, number][]): Reading[] => points.map(([s, value]) => ({ sensorId, ts: at(s), value }));

/** Feeds readings one batch each (as ingest would after each commit) and waits for cases and events. */
export async function feed(lifeline: Lifeline, readings: Reading[]): Promise<void> {
  for (const r of readings) await lifeline.engine.evaluate([r], {});
  await lifeline.engine.idle();
}

export async function override(app: TestApp, lifeline: Lifeline, rule: { sensorType: string; scope: 'type' | 'asset' | 'sensor'; targetId: string | null; params: RuleParams; categoryCode?: string }): Promise<void> {
  await app.ctx.db.transaction((tx) => saveRule(tx, {
    id: `${rule.sensorType}.${rule.params.kind}.${rule.scope}.${rule.targetId ?? ''}`, sensorType: rule.sensorType, kind: rule.params.kind,
    scope: rule.scope, targetId: rule.targetId, params: rule.params, categoryCode: rule.categoryCode ?? 'E0403', enabled: true, updatedBy: null,
  }, app.ctx.clock()));
  await lifeline.engine.reloadRules();
}

export { loadLifeline };
