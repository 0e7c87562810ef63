/**
 * The case workflow (案件流程) as data: a transition table saying, for every action, from
 * which statuses it may be taken, by which roles, standing in which relation to the case.
 * `transition` is pure: it takes the case, the command, the actor and the time, and returns
 * the next case and the effects for the caller to run (store, timers, notifications).
 * Stages follow GB/T 30428 / CJ/T 315: 上报 → 受理/核实 → 立案 → 派遣 → 签收 → 处置 → 处置反馈 →
 * 核查 → 结案 → 回访评价.
 */
import type { Role } from '../org/model.ts';

/**
 * reported 上报 · verifying 核实中 · registered 已立案 (awaiting dispatch) · dispatched 已派遣 ·
 * handling 处置中 (signed for) · handled 已反馈 (awaiting 核查) · verified 已核查 (awaiting 结案) ·
 * closed 已结案 · rejected 不予受理 · voided 已作废 · suspended 已挂起 · merged 已合并.
 */
export type CaseStatus =
  | 'reported' | 'verifying' | 'registered' | 'dispatched' | 'handling' | 'handled' | 'verified'
  | 'closed' | 'rejected' | 'voided' | 'suspended' | 'merged';

export const CASE_STATUSES: readonly CaseStatus[] = [
  'reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified', 'closed', 'rejected', 'voided', 'suspended', 'merged',
];

export const STATUS_ZH: Readonly<Record<CaseStatus, string>> = {
  reported: '待受理', verifying: '核实中', registered: '待派遣', dispatched: '待签收', handling: '处置中', handled: '待核查',
  verified: '待结案', closed: '已结案', rejected: '不予受理', voided: '已作废', suspended: '已挂起', merged: '已合并',
};

/** Statuses in which nothing more happens (a closed case may still be rated or reopened). */
export const FINAL_STATUSES: readonly CaseStatus[] = ['rejected', 'voided'];
export const OPEN_STATUSES: readonly CaseStatus[] = ['reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified', 'suspended'];

/** How the actor stands to the case; computed by the service from units and jurisdiction. */
export type Relation =
  /** Their unit is the center that owns the case (triage, dispatch, close). */
  | 'owner'
  /** Their unit is a center above the owner whose jurisdiction covers the case (督办, 转办). */
  | 'above'
  /** Their unit is the lead handling unit. */
  | 'assignee'
  /** Their unit has an assisting task (联办). */
  | 'assisting'
  /** Their unit is the street center of the case's location (grid workers verify there). */
  | 'local'
  /** They reported it. */
  | 'reporter';

export type TaskRole = 'lead' | 'assist';
export type TaskStatus = 'pending' | 'signed' | 'done' | 'returned';

export interface CaseTask { unitId: string; role: TaskRole; status: TaskStatus }

export interface PendingExtension { minutes: number; reason: string; requestedAt: string; byUnitId: string }

/** The part of a case the workflow decides on. */
export interface CaseState {
  status: CaseStatus;
  /** Where `resume` returns to. */
  suspendedFrom: CaseStatus | null;
  ownerUnitId: string;
  assigneeUnitId: string | null;
  tasks: CaseTask[];
  reworkCount: number;
  reopenCount: number;
  /** Minutes added to the handling deadline by approved extensions (延期). */
  extensionMinutes: number;
  pendingExtension: PendingExtension | null;
  satisfaction: number | null;
  closedAt: string | null;
  masterId: string | null;
}

/** Days after closing in which the reporter (or an operator) may reopen an unsatisfying case. */
export const REOPEN_WINDOW_DAYS = 7;

export type Command =
  | { action: 'accept'; note?: string; categoryCode?: string; urgency?: 'normal' | 'urgent' | 'critical'; appealType?: 'consult' | 'help' | 'complaint' | 'report' | 'suggestion' | 'praise' }
  | { action: 'requestVerification'; note?: string }
  | { action: 'confirmReport'; note?: string; photos?: string[] }
  | { action: 'reject'; reason: string }
  | { action: 'void'; reason: string }
  | { action: 'selfHandle'; note: string; photos: string[] }
  | { action: 'dispatch'; unitId: string; assistingUnitIds?: string[]; note?: string }
  | { action: 'sign'; note?: string }
  | { action: 'return'; reason: string }
  | { action: 'transfer'; toUnitId: string; toKind: 'center' | 'department'; reason: string }
  | { action: 'reportHandled'; note: string; photos?: string[] }
  | { action: 'requestExtension'; minutes: number; reason: string }
  | { action: 'decideExtension'; approve: boolean; note?: string }
  | { action: 'verifyFix'; passed: boolean; note?: string; photos?: string[] }
  | { action: 'rework'; reason: string }
  | { action: 'close'; note?: string }
  | { action: 'evaluate'; satisfaction: number; comment?: string }
  | { action: 'reopen'; reason: string }
  | { action: 'suspend'; reason: string }
  | { action: 'resume'; note?: string }
  | { action: 'supervise'; note: string }
  | { action: 'merge'; masterId: string; note?: string }
  | { action: 'unmerge'; reason: string };

export type CaseAction = Command['action'];

/** 受理 accept · 核实 requestVerification/confirmReport · 不予受理 reject · 作废 void · 自行处置 selfHandle ·
 * 派遣 dispatch · 签收 sign · 回退 return · 转办 transfer · 处置反馈 reportHandled · 延期 requestExtension/decideExtension ·
 * 核查 verifyFix · 返工 rework · 结案 close · 回访评价 evaluate · 重开 reopen · 挂起 suspend · 恢复 resume · 督办 supervise · 合并 merge · 取消合并 unmerge. */
export const ACTION_ZH: Readonly<Record<CaseAction, string>> = {
  accept: '受理立案', requestVerification: '派发核实', confirmReport: '核实属实', reject: '不予受理', void: '作废',
  selfHandle: '自行处置', dispatch: '派遣', sign: '签收', return: '回退', transfer: '转办', reportHandled: '处置反馈',
  requestExtension: '申请延期', decideExtension: '审批延期', verifyFix: '核查', rework: '返工', close: '结案',
  evaluate: '回访评价', reopen: '重开', suspend: '挂起', resume: '恢复', supervise: '督办', merge: '合并', unmerge: '取消合并',
};

export interface Rule {
  from: readonly CaseStatus[];
  roles: readonly Role[];
  relations: readonly Relation[];
  /** Extra condition on the case and actor; the reason is shown when it fails. */
  guard?: (c: CaseState, now: Date, actor: Actor) => string | undefined;
}

const DISPATCHERS: readonly Role[] = ['operator', 'supervisor', 'admin'];
const HANDLERS: readonly Role[] = ['handler', 'operator'];
const CHECKERS: readonly Role[] = ['grid_worker', 'operator', 'supervisor'];
const ACTIVE: readonly CaseStatus[] = ['registered', 'dispatched', 'handling'];

function withinReopenWindow(c: CaseState, now: Date): string | undefined {
  if (!c.closedAt) return 'case was never closed';
  const ms = now.getTime() - new Date(c.closedAt).getTime();
  return ms <= REOPEN_WINDOW_DAYS * 86_400_000 ? undefined : `reopening is possible within ${REOPEN_WINDOW_DAYS} days of closing`;
}

/** The transition table: which (status, role, relation) may take which action. */
export const TRANSITIONS: Readonly<Record<CaseAction, Rule>> = {
  accept: { from: ['reported'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  requestVerification: { from: ['reported'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  confirmReport: { from: ['verifying'], roles: ['grid_worker', 'operator'], relations: ['local', 'owner'] },
  reject: { from: ['reported', 'verifying'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  void: { from: ['reported', 'verifying', 'registered'], roles: ['supervisor', 'admin', 'operator'], relations: ['owner', 'above'] },
  selfHandle: { from: ['reported', 'verifying', 'registered'], roles: ['grid_worker'], relations: ['local'] },
  dispatch: { from: ['registered'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  sign: { from: ['dispatched', 'handling'], roles: HANDLERS, relations: ['assignee', 'assisting'], guard: (c, _now, actor) => ownTaskIs(c, actor, 'pending') },
  return: { from: ['dispatched'], roles: HANDLERS, relations: ['assignee'] },
  transfer: { from: ['reported', 'registered', 'dispatched', 'handling'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  reportHandled: { from: ['handling'], roles: HANDLERS, relations: ['assignee', 'assisting'], guard: (c, _now, actor) => ownTaskIs(c, actor, 'signed') },
  requestExtension: {
    from: ['handling'], roles: HANDLERS, relations: ['assignee'],
    guard: (c) => (c.pendingExtension ? 'an extension request is already pending' : undefined),
  },
  decideExtension: {
    from: ['handling'], roles: ['operator', 'supervisor'], relations: ['owner', 'above'],
    guard: (c) => (c.pendingExtension ? undefined : 'no extension request is pending'),
  },
  verifyFix: { from: ['handled'], roles: CHECKERS, relations: ['local', 'owner'] },
  rework: { from: ['handled', 'verified'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  close: { from: ['verified'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  evaluate: {
    from: ['closed'], roles: ['citizen', 'operator', 'supervisor'], relations: ['reporter', 'owner', 'above'],
    guard: (c) => (c.satisfaction === null ? undefined : 'already evaluated'),
  },
  reopen: { from: ['closed'], roles: ['citizen', 'operator', 'supervisor'], relations: ['reporter', 'owner', 'above'], guard: withinReopenWindow },
  suspend: { from: ACTIVE, roles: ['operator', 'supervisor'], relations: ['owner', 'above'] },
  resume: { from: ['suspended'], roles: ['operator', 'supervisor'], relations: ['owner', 'above'] },
  supervise: { from: [...OPEN_STATUSES], roles: ['supervisor', 'operator'], relations: ['above'] },
  merge: { from: ['reported', 'verifying', 'registered'], roles: DISPATCHERS, relations: ['owner', 'above'] },
  // A duplicate leaves 'merged' when its master closes, or when the merge was a mistake.
  unmerge: { from: ['merged'], roles: DISPATCHERS, relations: ['owner', 'above'] },
};

export const CASE_ACTIONS = Object.keys(TRANSITIONS) as CaseAction[];

export interface Actor { role: Role; relations: ReadonlySet<Relation>; unitId: string | null }

/** Effects for the caller to carry out after storing the next state. */
export type Effect =
  /** Recompute the SLA clocks (and their timers) for the new state. */
  | { type: 'recomputeSla' }
  /** Close every case merged into this one and tell their reporters. */
  | { type: 'closeMerged' }
  /** Record a supervision (督办) entry. */
  | { type: 'supervision'; note: string }
  /** Tell these units (handling, assisting, owner). */
  | { type: 'notifyUnits'; unitIds: string[]; title: string }
  /** Tell the reporter. */
  | { type: 'notifyReporter'; title: string };

export type Refusal = { ok: false; status: 403 | 409; reason: string; allowed: CaseAction[] };
export type Outcome = { ok: true; next: CaseState; effects: Effect[] } | Refusal;

/** Why an actor may not take an action now, or undefined when they may. */
export function refusal(c: CaseState, action: CaseAction, actor: Actor, now: Date): { status: 403 | 409; reason: string } | undefined {
  const rule = TRANSITIONS[action];
  if (!rule.roles.includes(actor.role)) return { status: 403, reason: `role ${actor.role} may not ${action}` };
  if (!rule.relations.some((r) => actor.relations.has(r))) {
    return { status: 403, reason: `${action} is for the case's ${rule.relations.join(' or ')} unit` };
  }
  if (!rule.from.includes(c.status)) return { status: 409, reason: `cannot ${action} a case that is ${c.status}` };
  const guard = rule.guard?.(c, now, actor);
  if (guard) return { status: 409, reason: guard };
  return undefined;
}

/** Every action this actor may take on this case now (returned with each case). */
export function allowedActions(c: CaseState, actor: Actor, now: Date): CaseAction[] {
  return CASE_ACTIONS.filter((a) => !refusal(c, a, actor, now));
}

/** The actor's own task (lead for the assignee, else their assisting task) must be in `wanted`. */
function ownTaskIs(c: CaseState, actor: Actor, wanted: TaskStatus): string | undefined {
  const task = ownTask(c, actor);
  return task?.status === wanted ? undefined : `your task is ${task?.status ?? 'missing'}, not ${wanted}`;
}

function ownTask(c: CaseState, actor: Actor): CaseTask | undefined {
  const role: TaskRole = actor.relations.has('assignee') ? 'lead' : 'assist';
  return c.tasks.find((t) => t.unitId === actor.unitId && t.role === role);
}

const leadTask = (unitId: string): CaseTask => ({ unitId, role: 'lead', status: 'pending' });

/** Applies a command. Validation of inputs (units exist, photos exist) happens before, in the service. */
export function transition(c: CaseState, cmd: Command, actor: Actor, now: Date): Outcome {
  const denied = refusal(c, cmd.action, actor, now);
  if (denied) return { ok: false, ...denied, allowed: allowedActions(c, actor, now) };
  const next: CaseState = { ...c, tasks: c.tasks.map((t) => ({ ...t })) };
  const effects: Effect[] = [];
  const recompute = () => effects.push({ type: 'recomputeSla' });
  switch (cmd.action) {
    case 'accept':
    case 'confirmReport':
      next.status = 'registered';
      recompute();
      break;
    case 'requestVerification':
      next.status = 'verifying';
      break;
    case 'reject':
    case 'void':
      next.status = cmd.action === 'reject' ? 'rejected' : 'voided';
      effects.push({ type: 'notifyReporter', title: cmd.action === 'reject' ? '您反映的问题不予受理' : '您反映的问题已作废' });
      recompute();
      break;
    case 'selfHandle':
      next.status = 'handled';
      next.assigneeUnitId = actor.unitId;
      next.tasks = actor.unitId ? [{ unitId: actor.unitId, role: 'lead', status: 'done' }] : [];
      recompute();
      break;
    case 'dispatch':
      next.status = 'dispatched';
      next.assigneeUnitId = cmd.unitId;
      next.tasks = [leadTask(cmd.unitId), ...(cmd.assistingUnitIds ?? []).map((unitId) => ({ unitId, role: 'assist' as const, status: 'pending' as const }))];
      effects.push({ type: 'notifyUnits', unitIds: next.tasks.map((t) => t.unitId), title: '新派遣案件待签收' });
      recompute();
      break;
    case 'sign': {
      const task = ownTask(next, actor)!;
      task.status = 'signed';
      // The lead's signature starts the handling clock; assisting units only sign their task.
      if (task.role === 'lead') {
        next.status = 'handling';
        recompute();
      }
      break;
    }
    case 'return':
      next.status = 'registered';
      next.assigneeUnitId = null;
      next.tasks = [];
      effects.push({ type: 'notifyUnits', unitIds: [c.ownerUnitId], title: '案件被回退, 请重新派遣' });
      recompute();
      break;
    case 'transfer':
      if (cmd.toKind === 'center') {
        next.status = 'registered';
        next.ownerUnitId = cmd.toUnitId;
        next.assigneeUnitId = null;
        next.tasks = [];
      } else {
        next.status = 'dispatched';
        next.assigneeUnitId = cmd.toUnitId;
        next.tasks = [leadTask(cmd.toUnitId)];
      }
      effects.push({ type: 'notifyUnits', unitIds: [cmd.toUnitId], title: '转办案件' });
      recompute();
      break;
    case 'reportHandled': {
      ownTask(next, actor)!.status = 'done';
      // 联办: the case is handled when the lead and every assisting unit are done.
      if (next.tasks.every((t) => t.status === 'done')) {
        next.status = 'handled';
        effects.push({ type: 'notifyUnits', unitIds: [c.ownerUnitId], title: '案件已处置, 待核查' });
        recompute();
      }
      break;
    }
    case 'requestExtension':
      next.pendingExtension = { minutes: cmd.minutes, reason: cmd.reason, requestedAt: now.toISOString(), byUnitId: actor.unitId ?? '' };
      effects.push({ type: 'notifyUnits', unitIds: [c.ownerUnitId], title: '延期申请待审批' });
      break;
    case 'decideExtension':
      if (cmd.approve && c.pendingExtension) {
        next.extensionMinutes = c.extensionMinutes + c.pendingExtension.minutes;
        recompute();
      }
      effects.push({ type: 'notifyUnits', unitIds: c.assigneeUnitId ? [c.assigneeUnitId] : [], title: cmd.approve ? '延期申请已批准' : '延期申请未批准' });
      next.pendingExtension = null;
      break;
    case 'verifyFix':
      if (cmd.passed) {
        next.status = 'verified';
      } else {
        next.status = 'handling';
        next.reworkCount = c.reworkCount + 1;
        next.tasks = next.tasks.map((t) => ({ ...t, status: 'signed' }));
        effects.push({ type: 'notifyUnits', unitIds: c.assigneeUnitId ? [c.assigneeUnitId] : [], title: '核查未通过, 案件返工' });
      }
      recompute();
      break;
    case 'rework':
      next.status = 'handling';
      next.reworkCount = c.reworkCount + 1;
      next.tasks = next.tasks.map((t) => ({ ...t, status: 'signed' }));
      effects.push({ type: 'notifyUnits', unitIds: c.assigneeUnitId ? [c.assigneeUnitId] : [], title: '案件返工' });
      recompute();
      break;
    case 'close':
      next.status = 'closed';
      next.closedAt = now.toISOString();
      effects.push({ type: 'closeMerged' }, { type: 'notifyReporter', title: '您反映的问题已办结, 请评价' });
      recompute();
      break;
    case 'evaluate':
      next.satisfaction = cmd.satisfaction;
      break;
    case 'reopen':
      next.status = 'registered';
      next.reopenCount = c.reopenCount + 1;
      next.closedAt = null;
      next.satisfaction = null;
      next.assigneeUnitId = null;
      next.tasks = [];
      effects.push({ type: 'notifyUnits', unitIds: [c.ownerUnitId], title: '案件重开' });
      recompute();
      break;
    case 'suspend':
      next.suspendedFrom = c.status;
      next.status = 'suspended';
      recompute();
      break;
    case 'resume':
      next.status = c.suspendedFrom ?? 'registered';
      next.suspendedFrom = null;
      recompute();
      break;
    case 'supervise':
      effects.push({ type: 'supervision', note: cmd.note }, { type: 'notifyUnits', unitIds: [c.ownerUnitId, ...(c.assigneeUnitId ? [c.assigneeUnitId] : [])], title: '案件被督办' });
      break;
    case 'merge':
      next.status = 'merged';
      next.masterId = cmd.masterId;
      recompute();
      break;
    case 'unmerge':
      next.status = 'registered';
      next.masterId = null;
      recompute();
      break;
  }
  return { ok: true, next, effects };
}
