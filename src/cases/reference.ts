/**
 * Reference data the case loop reads on every intake and action — SLA policies, the working
 * calendar, the responsibility list — cached briefly so a change on any node takes effect
 * within seconds without a query per request.
 */
import type { AppContext } from '../app.ts';
import { loadPolicies, loadWorkingCalendar } from '../sla/service.ts';
import { loadRules, resolveResponsibleUnit, type ResponsibilityRule } from '../routing/index.ts';
import type { SlaKit } from './sla-plan.ts';

const TTL_MS = 5_000;

interface Reference { sla: SlaKit; rules: readonly ResponsibilityRule[] }

const cache = new WeakMap<AppContext, { at: number; value: Promise<Reference> }>();

export function reference(ctx: AppContext): Promise<Reference> {
  const now = Date.now();
  const hit = cache.get(ctx);
  if (hit && now - hit.at < TTL_MS) return hit.value;
  const value = (async () => {
    const [calendar, policies, rules] = await Promise.all([loadWorkingCalendar(ctx.db), loadPolicies(ctx.db), loadRules(ctx.db)]);
    return { sla: { calendar, policies }, rules };
  })();
  cache.set(ctx, { at: now, value });
  value.catch(() => cache.delete(ctx));
  return value;
}

/** Forget cached reference data (tests change policies and rules and want them now). */
export function forgetReference(ctx: AppContext): void {
  cache.delete(ctx);
}

/** The unit the responsibility list (权责清单) gives for a category at a place, if any. */
export function recommendUnit(ref: Reference, categoryCode: string | null, areaChain: string[], date: string): { unitId: string; ruleId: string } | undefined {
  if (!categoryCode) return undefined;
  const hit = resolveResponsibleUnit(ref.rules, categoryCode, areaChain, date);
  return hit && { unitId: hit.unitId, ruleId: hit.rule.id };
}
