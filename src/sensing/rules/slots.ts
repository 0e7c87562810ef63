/**
 * One rule's running state for one sensor (or, for a burst, one asset): the level machine plus
 * what the kind needs to derive the value it compares — a rate window, an anomaly detector,
 * the flat-line start. `step*` functions are pure over the slot and say whether the part that
 * survives a restart changed (so the engine persists only then, batched).
 */
import { AnomalyDetector } from '../anomaly.ts';
import type { AlarmLevel } from '../model.ts';
import { compileSpec, newLevelState, stepLevel, type CompiledSpec, type LevelState } from './levels.ts';
import type { AnomalyParams, BurstParams, FlatlineParams, LevelSpec, RateParams, Rule } from './model.ts';
import { dropPct, pushSample, rateOver, risePct } from './windows.ts';

/** Anomaly detectors change on every point; their state is saved at most this often. */
const DETECTOR_SAVE_MS = 15 * 60_000;

export interface Slot {
  rule: Rule;
  key: string;
  spec: CompiledSpec;
  lv: LevelState;
  samples: number[] | null;
  detector: AnomalyDetector | null;
  flatValue: number;
  flatSince: number;
  savedAt: number;
  /** Burst only: each sensor on the asset, its side and its recent window. */
  sides: Map<string, { flow: boolean; samples: number[]; last: number }> | null;
}

/** Offline, flat-line and burst compare a 0/1 condition; a single configured level. */
const binarySpec = (level: AlarmLevel, clearSeconds: number): LevelSpec =>
  ({ direction: 'above', thresholds: { [level]: 1 }, hysteresis: 0, create: { mode: 'immediate' }, clearSeconds });

/** Compiled once per rule version and shared by every slot using it. */
const compiled = new WeakMap<Rule, CompiledSpec>();

export function compileRule(rule: Rule): CompiledSpec {
  let spec = compiled.get(rule);
  if (!spec) {
    const p = rule.params;
    spec = compileSpec(p.kind === 'offline' || p.kind === 'flatline' ? binarySpec(p.level, 0) : p.kind === 'burst' ? binarySpec(p.level, p.clearSeconds) : p);
    compiled.set(rule, spec);
  }
  return spec;
}

export function newSlot(rule: Rule, key: string): Slot {
  const p = rule.params;
  return {
    rule, key, spec: compileRule(rule), lv: newLevelState(),
    samples: p.kind === 'rate' ? [] : null,
    detector: p.kind === 'anomaly' ? new AnomalyDetector(detectorOptions(p)) : null,
    flatValue: Number.NaN, flatSince: Number.NaN, savedAt: 0,
    sides: p.kind === 'burst' ? new Map() : null,
  };
}

function detectorOptions(p: AnomalyParams) {
  return { ...(p.window ? { window: p.window } : {}), ...(p.warmup !== undefined ? { warmup: p.warmup } : {}), ...(p.halfScoreZ ? { halfScoreZ: p.halfScoreZ } : {}) };
}

/** A new version of the rule: keep the level and history, recompile the thresholds. */
export function retarget(slot: Slot, rule: Rule): void {
  slot.rule = rule;
  slot.spec = compileRule(rule);
}

/**
 * Feeds a reading of the slot's own sensor. Returns whether persisted state changed, or
 * undefined when the kind has nothing to say yet (a rate without enough span).
 */
export function stepReading(slot: Slot, ts: number, value: number): { changed: boolean; derived: number } | undefined {
  const p = slot.rule.params;
  switch (p.kind) {
    case 'threshold':
      return { changed: stepLevel(slot.spec, slot.lv, ts, value), derived: value };
    case 'rate': return stepRate(slot, p, ts, value);
    case 'anomaly': {
      const score = slot.detector!.score(ts, value);
      if (slot.savedAt === 0) slot.savedAt = ts;
      const changed = stepLevel(slot.spec, slot.lv, ts, score) || ts - slot.savedAt >= DETECTOR_SAVE_MS;
      return { changed, derived: score };
    }
    case 'flatline': return stepFlat(slot, p, ts, value);
    case 'offline': return { changed: stepLevel(slot.spec, slot.lv, ts, 0), derived: 0 };
    case 'burst': return undefined;
  }
}

function stepRate(slot: Slot, p: RateParams, ts: number, value: number) {
  const windowMs = p.windowSeconds * 1000;
  // The window is saved every eighth of it: a restart loses at most that much of its start.
  const due = pushSample(slot.samples!, windowMs, ts, value) && ts - slot.savedAt >= windowMs / 8;
  const rate = rateOver(slot.samples!, ts, value, p.perSeconds * 1000, p.minSpanSeconds * 1000);
  if (rate === undefined) return due ? { changed: true, derived: Number.NaN } : undefined;
  return { changed: stepLevel(slot.spec, slot.lv, ts, rate) || due, derived: rate };
}

function stepFlat(slot: Slot, p: FlatlineParams, ts: number, value: number) {
  if (!(Math.abs(value - slot.flatValue) <= p.tolerance)) {
    slot.flatValue = value;
    slot.flatSince = ts;
  }
  const stuck = ts - slot.flatSince >= p.seconds * 1000 ? 1 : 0;
  return { changed: stepLevel(slot.spec, slot.lv, ts, stuck), derived: stuck };
}

/** Offline check at `now` for a sensor last heard at `lastSeen`. */
export function stepOffline(slot: Slot, now: number, lastSeen: number, intervalSeconds: number): boolean {
  const p = slot.rule.params as { intervals: number };
  const silent = now - lastSeen > p.intervals * intervalSeconds * 1000 ? 1 : 0;
  return stepLevel(slot.spec, slot.lv, now, silent);
}

/** Feeds a pressure or flow reading into an asset's burst slot. */
export function stepBurst(slot: Slot, sensorId: string, flow: boolean, ts: number, value: number): { changed: boolean; derived: number } {
  const p = slot.rule.params as BurstParams;
  const windowMs = p.windowSeconds * 1000;
  let side = slot.sides!.get(sensorId);
  if (!side) slot.sides!.set(sensorId, (side = { flow, samples: [], last: value }));
  pushSample(side.samples, windowMs, ts, value);
  side.last = value;
  let drop = 0;
  let rise = 0;
  for (const s of slot.sides!.values()) {
    // A side silent for longer than the window says nothing about now.
    if (s.samples.length === 0 || ts - s.samples[s.samples.length - 2] > windowMs) continue;
    if (s.flow) rise = Math.max(rise, risePct(s.samples, s.last));
    else drop = Math.max(drop, dropPct(s.samples, s.last));
  }
  const burst = drop >= p.pressureDropPct && rise >= p.flowRisePct ? 1 : 0;
  return { changed: stepLevel(slot.spec, slot.lv, ts, burst), derived: burst };
}

/** What survives a restart. */
export function snapshot(slot: Slot, now: number): unknown {
  slot.savedAt = now;
  return {
    lv: slot.lv,
    ...(slot.samples ? { samples: slot.samples } : {}),
    ...(slot.detector ? { detector: slot.detector.toJSON() } : {}),
    ...(slot.rule.kind === 'flatline' ? { flat: [slot.flatValue, slot.flatSince] } : {}),
  };
}

export function hydrate(slot: Slot, state: unknown): void {
  const s = state as { lv?: LevelState; samples?: number[]; detector?: unknown; flat?: [number | null, number | null] } | null;
  if (!s?.lv) return;
  slot.lv = s.lv;
  if (slot.samples && Array.isArray(s.samples)) slot.samples = s.samples;
  if (slot.detector && s.detector) {
    try {
      slot.detector = AnomalyDetector.fromJSON(s.detector);
    } catch {
      // A detector saved by an incompatible version learns again from scratch.
    }
  }
  if (s.flat) {
    slot.flatValue = s.flat[0] ?? Number.NaN;
    slot.flatSince = s.flat[1] ?? Number.NaN;
  }
}
