/**
 * Which rules apply to a sensor: per kind, the sensor's own override, else its asset's, else
 * the type default (the most specific row wins as a whole; a disabled row switches the kind
 * off for its target). Burst rules belong to an asset and also take the readings of the flow
 * sensors on it.
 */
import type { SensorInfo } from '../model.ts';
import type { BurstParams, Rule } from './model.ts';

export interface RuleIndex {
  /** sensorType → kind → rules of that type and kind (type default and overrides). */
  byType: Map<string, Map<string, Rule[]>>;
  /** Flow sensor type → burst rules (of pressure types) that watch it. */
  burstByFlowType: Map<string, Rule[]>;
}

export function indexRules(rules: readonly Rule[]): RuleIndex {
  const byType = new Map<string, Map<string, Rule[]>>();
  const burstByFlowType = new Map<string, Rule[]>();
  for (const rule of rules) {
    let kinds = byType.get(rule.sensorType);
    if (!kinds) byType.set(rule.sensorType, (kinds = new Map()));
    kinds.set(rule.kind, [...(kinds.get(rule.kind) ?? []), rule]);
    if (rule.params.kind === 'burst') {
      const flowType = rule.params.flowType;
      burstByFlowType.set(flowType, [...(burstByFlowType.get(flowType) ?? []), rule]);
    }
  }
  return { byType, burstByFlowType };
}

/** The most specific of `candidates` for this sensor, or undefined (none, or switched off). */
export function mostSpecific(candidates: readonly Rule[], sensor: Pick<SensorInfo, 'id' | 'assetId'>): Rule | undefined {
  const pick = candidates.find((r) => r.scope === 'sensor' && r.targetId === sensor.id)
    ?? candidates.find((r) => r.scope === 'asset' && sensor.assetId !== null && r.targetId === sensor.assetId)
    ?? candidates.find((r) => r.scope === 'type');
  return pick?.enabled ? pick : undefined;
}

export interface Applicable {
  /** Rules evaluated on this sensor's own readings (burst included for pressure sensors). */
  own: Rule[];
  /** Burst rules this sensor feeds as the flow side. */
  flowOf: Rule[];
}

export function rulesFor(index: RuleIndex, sensor: Pick<SensorInfo, 'id' | 'assetId' | 'type'>): Applicable {
  const own: Rule[] = [];
  for (const [kind, candidates] of index.byType.get(sensor.type) ?? []) {
    // A burst is the asset's alarm: it follows the asset's override, never one sensor's.
    const rule = kind === 'burst' ? (sensor.assetId ? mostSpecific(candidates.filter((r) => r.scope !== 'sensor'), sensor) : undefined) : mostSpecific(candidates, sensor);
    if (rule) own.push(rule);
  }
  const flowOf: Rule[] = [];
  if (sensor.assetId) {
    const byPressureType = new Map<string, Rule[]>();
    for (const r of index.burstByFlowType.get(sensor.type) ?? []) byPressureType.set(r.sensorType, [...(byPressureType.get(r.sensorType) ?? []), r]);
    for (const candidates of byPressureType.values()) {
      const rule = mostSpecific(candidates.filter((r) => r.scope !== 'sensor'), sensor);
      if (rule && (rule.params as BurstParams).flowType === sensor.type) flowOf.push(rule);
    }
  }
  return { own, flowOf };
}
