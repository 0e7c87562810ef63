/**
 * The four-colour level machine (四色分级): pure, one step per value in timestamp order.
 * Escalation needs the level's create condition (immediate, sustained, repeated); a level is
 * left only when the value has been past that level's clear threshold (hysteresis, 回差) for
 * `clearSeconds`, then it drops to whatever the value still holds. Values are compared in a
 * signed space (negated for `below`) so one code path serves both directions.
 */
import type { LevelSpec } from './model.ts';

/** Per-rank markers are indexed 0..3 for blue..red. */
export interface LevelState {
  /** Current alarm rank: 0 none, 1 blue … 4 red. */
  level: number;
  /** Since when the value has reached each rank without a break (sustained mode only). */
  since: (number | null)[] | null;
  /** Recent times the value reached each rank (repeated mode only). */
  hits: number[][] | null;
  /** Since when the value has been below the current level's clear threshold. */
  belowSince: number | null;
}

/** Markers are allocated only for the mode that needs them: 200,000 sensors hold one each. */
export const newLevelState = (): LevelState => ({ level: 0, since: null, hits: null, belowSince: null });

const RANKS = ['blue', 'yellow', 'orange', 'red'] as const;

/** Signed create and clear thresholds per rank (NaN where the level is not configured). */
export interface CompiledSpec { create: Float64Array; clear: Float64Array; sign: 1 | -1; spec: LevelSpec }

export function compileSpec(spec: LevelSpec): CompiledSpec {
  const sign = spec.direction === 'above' ? 1 : -1;
  const create = new Float64Array(4).fill(Number.NaN);
  const clear = new Float64Array(4).fill(Number.NaN);
  RANKS.forEach((name, i) => {
    const t = spec.thresholds[name];
    if (t === undefined) return;
    create[i] = sign * t;
    const c = spec.clear?.[name];
    clear[i] = c !== undefined ? sign * c : sign * t - (spec.hysteresis ?? 0);
  });
  return { create, clear, sign, spec };
}

/** Feeds one value; returns true when the state changed in a way worth persisting. */
export function stepLevel(compiled: CompiledSpec, s: LevelState, ts: number, value: number): boolean {
  const x = compiled.sign * value;
  const { create: cond, clearSeconds } = compiled.spec;
  let changed = false;
  let eligible = 0;
  let hold = 0;
  for (let i = 0; i < 4; i++) {
    const t = compiled.create[i];
    if (Number.isNaN(t)) continue;
    const reached = x >= t;
    if (x >= compiled.clear[i]) hold = i + 1;
    if (cond.mode === 'immediate') {
      if (reached) eligible = i + 1;
    } else if (cond.mode === 'sustained') {
      const since = (s.since ??= [null, null, null, null]);
      if (reached) {
        if (since[i] === null) { since[i] = ts; changed = true; }
        if (ts - since[i]! >= cond.seconds * 1000) eligible = i + 1;
      } else if (since[i] !== null) {
        since[i] = null;
        changed = true;
      }
    } else {
      const hits = (s.hits ??= [[], [], [], []])[i];
      const before = hits.length;
      while (hits.length && hits[0] <= ts - cond.windowSeconds * 1000) hits.shift();
      if (reached) hits.push(ts);
      if (hits.length !== before || reached) changed = true;
      if (hits.length >= cond.count) eligible = i + 1;
    }
  }
  if (eligible > s.level) {
    s.level = eligible;
    s.belowSince = null;
    return true;
  }
  if (hold >= s.level) {
    if (s.belowSince !== null) { s.belowSince = null; changed = true; }
    return changed;
  }
  if (s.belowSince === null) { s.belowSince = ts; changed = true; }
  if (ts - s.belowSince >= clearSeconds * 1000) {
    s.level = Math.max(hold, eligible);
    s.belowSince = null;
    // A level left must be earned again from scratch.
    if (s.hits) for (let i = s.level; i < 4; i++) s.hits[i] = [];
    changed = true;
  }
  return changed;
}

/** Forgets the level (after a manual clear): the condition must be met anew to raise again. */
export function resetLevel(s: LevelState): void {
  s.level = 0;
  s.belowSince = null;
  s.since = null;
  s.hits = null;
}
