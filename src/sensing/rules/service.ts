/**
 * Editing alarm rules: city administrators set the type defaults; an administrator may
 * override a rule for an asset or sensor inside their own area. Every save is a new version,
 * audited in its transaction, and the running engine picks it up at once.
 */
import type { AppContext } from '../../app.ts';
import { appendAudit } from '../../audit/index.ts';
import { categoryByCode } from '../../categories/catalogue.ts';
import { Problem, notFound, type FieldError } from '../../http/errors.ts';
import { unitDirectory } from '../../org/directory.ts';
import type { Principal } from '../../org/model.ts';
import { rulesChanged } from '../alarms/runtime.ts';
import { sensing } from '../index.ts';
import { sensorType, type AlarmLevel } from '../model.ts';
import { assetsByIds } from '../registry-store.ts';
import { reachOf, seesSensor } from '../registry-service.ts';
import { LEVELS, type LevelSpec, type Rule, type RuleParams, type RuleScope } from './model.ts';
import * as store from './store.ts';

export interface RuleInput {
  sensorType: string;
  scope: RuleScope;
  targetId: string | null;
  params: RuleParams;
  categoryCode: string | null;
  enabled: boolean;
  /** The version the editor saw (optimistic concurrency); 0 for a new override. */
  version?: number;
}

export async function saveAlarmRule(ctx: AppContext, principal: Principal, requestId: string, input: RuleInput): Promise<Rule> {
  const errors = checkRule(input);
  if (errors.length) throw new Problem('CY_UNPROCESSABLE', errors[0].message, errors);
  await requireTarget(ctx, principal, input);
  const now = ctx.clock();
  const saved = await ctx.db.transaction(async (tx) => {
    const result = await store.saveRule(tx, {
      id: input.scope === 'type' ? `${input.sensorType}.${input.params.kind}` : ctx.newId('rule'), sensorType: input.sensorType, kind: input.params.kind,
      scope: input.scope, targetId: input.targetId, params: input.params, categoryCode: input.categoryCode, enabled: input.enabled, updatedBy: principal.user.id,
    }, now, input.version);
    if (result === 'conflict') throw new Problem('CY_CONFLICT', `the rule changed since version ${input.version}; reload it`);
    await appendAudit(tx, {
      at: now, actor: principal.user.id, action: 'alarm-rule.save', entityType: 'alarm_rule', entityId: result.after.id, requestId,
      before: result.before ? { params: result.before.params, enabled: result.before.enabled, categoryCode: result.before.categoryCode, version: result.before.version } : null,
      after: { params: result.after.params, enabled: result.after.enabled, categoryCode: result.after.categoryCode, version: result.after.version },
    });
    return result.after;
  });
  await rulesChanged(ctx);
  return saved;
}

/** Who may set a rule where: the type default is the city's; an override needs its target in the admin's area. */
async function requireTarget(ctx: AppContext, principal: Principal, input: RuleInput): Promise<void> {
  if (input.scope === 'type') {
    if (principal.unit?.tier !== 'city') throw new Problem('CY_FORBIDDEN', 'only city administrators change type defaults; override for an asset or sensor instead');
    return;
  }
  const id = input.targetId!;
  if (input.scope === 'sensor') {
    const s = sensing(ctx);
    await s.registry.ready();
    const e = s.registry.get(id);
    if (!e || e.id !== id || !seesSensor(reachOf(principal, await unitDirectory(ctx)), e)) throw notFound('sensor', id);
    if (e.type !== input.sensorType) throw new Problem('CY_UNPROCESSABLE', `sensor ${id} is a ${e.type}, not a ${input.sensorType}`);
    return;
  }
  if (!(await overrideVisible(ctx, principal, { scope: 'asset', targetId: id }))) throw notFound('asset', id);
}

/** Whether the caller may see a rule: type defaults are everyone's; an override is seen with its sensor or asset. */
export async function overrideVisible(ctx: AppContext, principal: Principal, rule: { scope: string; targetId: string | null }): Promise<boolean> {
  if (rule.scope === 'type' || !rule.targetId) return true;
  const reach = reachOf(principal, await unitDirectory(ctx));
  if (rule.scope === 'sensor') {
    const s = sensing(ctx);
    await s.registry.ready();
    const e = s.registry.get(rule.targetId);
    return !!e && e.id === rule.targetId && seesSensor(reach, e);
  }
  const [asset] = await assetsByIds(ctx.db, [rule.targetId]);
  return !!asset && seesSensor(reach, asset);
}

/** The rules among `rules` the caller may see. */
export async function visibleRules<R extends { scope: string; targetId: string | null }>(ctx: AppContext, principal: Principal, rules: readonly R[]): Promise<R[]> {
  const seen = await Promise.all(rules.map((r) => overrideVisible(ctx, principal, r)));
  return rules.filter((_, i) => seen[i]);
}

export function checkRule(input: RuleInput): FieldError[] {
  const errors: FieldError[] = [];
  const err = (pointer: string, message: string) => errors.push({ pointer: `/body${pointer}`, message });
  if (!sensorType(input.sensorType)) err('/sensorType', `unknown sensor type ${input.sensorType}`);
  if ((input.scope === 'type') !== (input.targetId === null)) err('/targetId', input.scope === 'type' ? 'a type default has no targetId' : 'an override names its asset or sensor in targetId');
  if (input.categoryCode !== null && !categoryByCode(input.categoryCode)) err('/categoryCode', `unknown category ${input.categoryCode}`);
  const p = input.params;
  if (p.kind === 'threshold' || p.kind === 'rate' || p.kind === 'anomaly') checkLevels(p, err);
  if (p.kind === 'rate' && p.minSpanSeconds > p.windowSeconds) err('/params/minSpanSeconds', 'must not exceed windowSeconds');
  if (p.kind === 'burst' && (p.flowType === input.sensorType || !sensorType(p.flowType))) err('/params/flowType', 'must be another known sensor type');
  return errors;
}

/** Levels must rise in the rule's direction, and each clear threshold lie on the calm side of its level. */
function checkLevels(spec: LevelSpec, err: (pointer: string, message: string) => void): void {
  const sign = spec.direction === 'above' ? 1 : -1;
  const set = LEVELS.filter((l) => spec.thresholds[l] !== undefined);
  if (set.length === 0) err('/params/thresholds', 'set at least one level');
  for (let i = 1; i < set.length; i++) {
    if (sign * spec.thresholds[set[i]]! <= sign * spec.thresholds[set[i - 1]]!) {
      err(`/params/thresholds/${set[i]}`, `${set[i]} must be ${spec.direction === 'above' ? 'above' : 'below'} ${set[i - 1]}`);
    }
  }
  for (const level of Object.keys(spec.clear ?? {}) as AlarmLevel[]) {
    const t = spec.thresholds[level];
    if (t === undefined) err(`/params/clear/${level}`, `no ${level} threshold to clear`);
    else if (sign * spec.clear![level]! > sign * t) err(`/params/clear/${level}`, `the clear threshold must not be past the ${level} threshold`);
  }
}
