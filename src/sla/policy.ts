/**
 * Time-limit policies (时限标准): how long each stage of a case may take, by category and
 * urgency, and on which basis the minutes count. Pure.
 */
import type { Urgency } from '../cases/model.ts';
import type { SlaBasis } from './deadline.ts';

export interface SlaPolicy {
  id: string;
  /** Matches every category code starting with it (e.g. '01' for all 公用设施 parts); null matches any category. */
  categoryPrefix: string | null;
  /** null matches any urgency. */
  urgency: Urgency | null;
  basis: SlaBasis;
  /** 签收: from dispatch until the handling unit signs for the case. */
  acceptMinutes: number;
  /** 处置: from signing until the unit reports it fixed. */
  handleMinutes: number;
  /** 核查: from the fix report until the grid worker or center has checked it. */
  verifyMinutes: number;
  /** Share of the allowance after which the clock warns (黄灯 预警), in (0, 1). */
  warnShare: number;
}

/** The stages a policy times: accept 签收 · handle 处置 · verify 核查. */
export type SlaStage = 'accept' | 'handle' | 'verify';
export const SLA_STAGES: readonly SlaStage[] = ['accept', 'handle', 'verify'];

const WORKING_DAY = 7 * 60;

/**
 * The city's standing time limits, seeded as the first version of each policy
 * (migration 0006_sla.sql carries the same rows):
 *
 * - 特急 critical — clock time: respond within 1 hour, handle within 24 hours
 *   ("1 小时响应, 24 小时介入"), verify within 2 hours.
 * - 紧急 urgent — clock time: 2 hours / 48 hours / 4 hours.
 * - 一般 normal — working time: 2 working hours to sign, 5 working days (5 × 7 h) to handle,
 *   1 working day to verify, as 12345 hotlines and 数字城管 centers commonly set them.
 *
 * Every default warns at 80 % of the allowance.
 */
export const DEFAULT_SLA_POLICIES: readonly (SlaPolicy & { name: string })[] = [
  { id: 'sla-critical', name: '特急', categoryPrefix: null, urgency: 'critical', basis: 'clock', acceptMinutes: 60, handleMinutes: 24 * 60, verifyMinutes: 2 * 60, warnShare: 0.8 },
  { id: 'sla-urgent', name: '紧急', categoryPrefix: null, urgency: 'urgent', basis: 'clock', acceptMinutes: 2 * 60, handleMinutes: 48 * 60, verifyMinutes: 4 * 60, warnShare: 0.8 },
  { id: 'sla-normal', name: '一般', categoryPrefix: null, urgency: 'normal', basis: 'working', acceptMinutes: 2 * 60, handleMinutes: 5 * WORKING_DAY, verifyMinutes: WORKING_DAY, warnShare: 0.8 },
];

/** True when a policy applies to a case of this category and urgency. */
export function policyMatches(policy: SlaPolicy, categoryCode: string, urgency: Urgency): boolean {
  return (policy.categoryPrefix === null || categoryCode.startsWith(policy.categoryPrefix))
    && (policy.urgency === null || policy.urgency === urgency);
}

/**
 * The policy for a case: the most specific match wins — the longest category prefix first,
 * then an exact urgency over "any urgency". Ties (which the store prevents) go to the smaller id
 * so the answer never depends on list order. Undefined when nothing matches.
 */
export function pickPolicy<P extends SlaPolicy>(policies: readonly P[], categoryCode: string, urgency: Urgency): P | undefined {
  let best: P | undefined;
  for (const p of policies) {
    if (!policyMatches(p, categoryCode, urgency)) continue;
    if (!best || compareSpecificity(p, best) > 0) best = p;
  }
  return best;
}

/** Positive when a is more specific than b. */
function compareSpecificity(a: SlaPolicy, b: SlaPolicy): number {
  const prefix = (a.categoryPrefix?.length ?? 0) - (b.categoryPrefix?.length ?? 0);
  if (prefix !== 0) return prefix;
  const urgency = (a.urgency === null ? 0 : 1) - (b.urgency === null ? 0 : 1);
  if (urgency !== 0) return urgency;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The allowance of one stage, in the policy's basis. */
export function stageMinutes(policy: SlaPolicy, stage: SlaStage): number {
  return stage === 'accept' ? policy.acceptMinutes : stage === 'handle' ? policy.handleMinutes : policy.verifyMinutes;
}

/** The clock of one stage started at `startedAt` (input to computeDeadline). */
export function stageClock(policy: SlaPolicy, stage: SlaStage, startedAt: Date): { startedAt: Date; minutes: number; basis: SlaBasis; warnShare: number } {
  return { startedAt, minutes: stageMinutes(policy, stage), basis: policy.basis, warnShare: policy.warnShare };
}

/** What is wrong with a policy's numbers, or undefined. The HTTP schema checks the same bounds first. */
export function policyProblem(p: Pick<SlaPolicy, 'acceptMinutes' | 'handleMinutes' | 'verifyMinutes' | 'warnShare'>): string | undefined {
  for (const stage of SLA_STAGES) {
    const m = p[`${stage}Minutes`];
    if (!Number.isInteger(m) || m <= 0) return `${stage}Minutes must be a whole number of minutes > 0, got ${m}`;
  }
  if (!(p.warnShare > 0 && p.warnShare < 1)) return `warnShare must lie strictly between 0 and 1, got ${p.warnShare}`;
  return undefined;
}
