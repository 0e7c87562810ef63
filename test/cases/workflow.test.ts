import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/org/model.ts';
import {
  allowedActions, CASE_ACTIONS, CASE_STATUSES, FINAL_STATUSES, TRANSITIONS, transition,
  type Actor, type CaseAction, type CaseState, type CaseStatus, type Command, type Relation,
} from '../../src/cases/workflow.ts';

const RELATIONS: Relation[] = ['owner', 'above', 'assignee', 'assisting', 'local', 'reporter'];
const NOW = new Date('2026-11-20T02:00:00Z');

function state(status: CaseStatus, unit = 'D-500103-cg'): CaseState {
  return {
    status, suspendedFrom: status === 'suspended' ? 'handling' : null, ownerUnitId: 'C-500103', assigneeUnitId: unit,
    tasks: [{ unitId: unit, role: 'lead', status: status === 'dispatched' ? 'pending' : 'signed' }, { unitId: 'D-500103-zj', role: 'assist', status: 'pending' }],
    reworkCount: 0, reopenCount: 0, extensionMinutes: 0,
    pendingExtension: status === 'handling' ? { minutes: 60, reason: 'x', requestedAt: NOW.toISOString(), byUnitId: unit } : null,
    satisfaction: null, closedAt: status === 'closed' ? new Date(NOW.getTime() - 86_400_000).toISOString() : null, masterId: null,
  };
}

const SAMPLE: Record<CaseAction, Command> = {
  accept: { action: 'accept' }, requestVerification: { action: 'requestVerification' }, confirmReport: { action: 'confirmReport' },
  reject: { action: 'reject', reason: 'r' }, void: { action: 'void', reason: 'r' }, selfHandle: { action: 'selfHandle', note: 'n', photos: ['a'] },
  dispatch: { action: 'dispatch', unitId: 'D-500103-cg' }, sign: { action: 'sign' }, return: { action: 'return', reason: 'r' },
  transfer: { action: 'transfer', toUnitId: 'C-500000', toKind: 'center', reason: 'r' }, reportHandled: { action: 'reportHandled', note: 'n' },
  requestExtension: { action: 'requestExtension', minutes: 60, reason: 'r' }, decideExtension: { action: 'decideExtension', approve: true },
  verifyFix: { action: 'verifyFix', passed: true }, rework: { action: 'rework', reason: 'r' }, close: { action: 'close' },
  evaluate: { action: 'evaluate', satisfaction: 5 }, reopen: { action: 'reopen', reason: 'r' }, suspend: { action: 'suspend', reason: 'r' },
  resume: { action: 'resume' }, supervise: { action: 'supervise', note: 'n' }, merge: { action: 'merge', masterId: 'case_x' },
  unmerge: { action: 'unmerge', reason: 'r' },
};

describe('the transition table', () => {
  it('either applies or refuses every (status, action, role, relation) with 403/409 and the allowed actions', () => {
    let applied = 0;
    let refused = 0;
    for (const status of CASE_STATUSES) {
      for (const action of CASE_ACTIONS) {
        for (const role of ROLES) {
          for (const relation of RELATIONS) {
            const unit = relation === 'assisting' ? 'D-500103-zj' : 'D-500103-cg';
            const c = state(status);
            if (action === 'requestExtension') c.pendingExtension = null;
            const actor: Actor = { role, relations: new Set([relation]), unitId: unit };
            const outcome = transition(c, SAMPLE[action], actor, NOW);
            const rule = TRANSITIONS[action];
            const permitted = rule.roles.includes(role) && rule.relations.includes(relation);
            if (outcome.ok) {
              applied++;
              expect(permitted, `${status} ${action} ${role} ${relation}`).toBe(true);
              expect(rule.from).toContain(status);
              expect(CASE_STATUSES).toContain(outcome.next.status);
            } else {
              refused++;
              expect(outcome.status).toBe(permitted ? 409 : 403);
              expect(outcome.allowed).toEqual(allowedActions(c, actor, NOW));
              expect(outcome.allowed).not.toContain(action);
            }
          }
        }
      }
    }
    expect(applied).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
  });

  it('leaves no open status a dead end: each has an action, and every path can reach closed or a final status', () => {
    const edges = new Map<CaseStatus, Set<CaseStatus>>();
    for (const status of CASE_STATUSES) {
      const out = new Set<CaseStatus>();
      for (const action of CASE_ACTIONS) {
        if (!TRANSITIONS[action].from.includes(status)) continue;
        for (const role of TRANSITIONS[action].roles as Role[]) {
          for (const relation of TRANSITIONS[action].relations) {
            const c = state(status, relation === 'assisting' ? 'D-500103-zj' : 'D-500103-cg');
            c.tasks = c.tasks.map((t) => ({ ...t, status: action === 'reportHandled' ? 'signed' : t.status }));
            if (action === 'requestExtension') c.pendingExtension = null;
            const outcome = transition(c, SAMPLE[action], { role, relations: new Set([relation]), unitId: c.assigneeUnitId }, NOW);
            if (outcome.ok) out.add(outcome.next.status);
          }
        }
      }
      edges.set(status, out);
    }
    for (const status of CASE_STATUSES) {
      if ((FINAL_STATUSES as readonly string[]).includes(status)) continue;
      expect(edges.get(status)!.size, `${status} has a way out`).toBeGreaterThan(0);
      const seen = new Set<CaseStatus>([status]);
      const queue = [status];
      while (queue.length) for (const n of edges.get(queue.shift()!)!) if (!seen.has(n)) { seen.add(n); queue.push(n); }
      expect(seen.has('closed') || FINAL_STATUSES.some((f) => seen.has(f)), `${status} can end`).toBe(true);
    }
  });

  it('completes 联办 only when the lead and every assisting unit are done', () => {
    let c = state('handling');
    c.pendingExtension = null;
    c.tasks = [{ unitId: 'L', role: 'lead', status: 'signed' }, { unitId: 'A1', role: 'assist', status: 'pending' }, { unitId: 'A2', role: 'assist', status: 'pending' }];
    c.assigneeUnitId = 'L';
    const lead: Actor = { role: 'handler', relations: new Set(['assignee']), unitId: 'L' };
    const a1: Actor = { role: 'handler', relations: new Set(['assisting']), unitId: 'A1' };
    const a2: Actor = { role: 'handler', relations: new Set(['assisting']), unitId: 'A2' };
    const step = (cmd: Command, actor: Actor) => {
      const o = transition(c, cmd, actor, NOW);
      if (!o.ok) throw new Error(o.reason);
      c = o.next;
    };
    expect(transition(c, { action: 'reportHandled', note: 'x' }, a1, NOW).ok).toBe(false);
    step({ action: 'sign' }, a1);
    step({ action: 'reportHandled', note: 'lead done' }, lead);
    expect(c.status).toBe('handling');
    step({ action: 'reportHandled', note: 'a1 done' }, a1);
    expect(c.status).toBe('handling');
    step({ action: 'sign' }, a2);
    step({ action: 'reportHandled', note: 'a2 done' }, a2);
    expect(c.status).toBe('handled');
  });

  it('reopens only within the window after closing', () => {
    const c = state('closed');
    const reporter: Actor = { role: 'citizen', relations: new Set(['reporter']), unitId: null };
    expect(transition(c, { action: 'reopen', reason: 'still broken' }, reporter, NOW).ok).toBe(true);
    c.closedAt = new Date(NOW.getTime() - 8 * 86_400_000).toISOString();
    const late = transition(c, { action: 'reopen', reason: 'still broken' }, reporter, NOW);
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.status).toBe(409);
  });
});
