/**
 * Who may see a case and how they stand to it. A center sees the cases located in its
 * jurisdiction; a department sees the cases it owns, leads or assists; a citizen sees what
 * they reported. Reporter phone numbers are shown whole only to dispatchers and supervisors
 * of the case's centers, and to the reporter.
 */
import type { Principal, Unit } from '../org/model.ts';
import type { UnitDirectory } from '../org/directory.ts';
import type { Case } from './store.ts';
import type { Actor, Relation } from './workflow.ts';

const TIER_RANK = { city: 0, district: 1, street: 2 } as const;

export function relationsOf(principal: Principal, c: Case, units: UnitDirectory): Set<Relation> {
  const relations = new Set<Relation>();
  if (principal.user.id === c.reporterUserId) relations.add('reporter');
  const unit = principal.unit;
  if (!unit) return relations;
  if (unit.id === c.ownerUnitId) relations.add('owner');
  if (unit.id === c.assigneeUnitId) relations.add('assignee');
  if (c.tasks.some((t) => t.role === 'assist' && t.unitId === unit.id)) relations.add('assisting');
  if (unit.id === `C-${c.streetCode}`) relations.add('local');
  const owner = units.get(c.ownerUnitId);
  if (unit.kind === 'center' && unit.id !== c.ownerUnitId && owner && TIER_RANK[unit.tier] < TIER_RANK[owner.tier]
    && units.covers(unit, c.streetCode)) {
    relations.add('above');
  }
  return relations;
}

export function actorOf(principal: Principal, c: Case, units: UnitDirectory): Actor {
  return { role: principal.user.role, relations: relationsOf(principal, c, units), unitId: principal.unit?.id ?? null };
}

export function canSee(principal: Principal, c: Case, units: UnitDirectory): boolean {
  if (principal.user.id === c.reporterUserId) return true;
  const unit = principal.unit;
  if (!unit) return false;
  if (unit.id === c.ownerUnitId || unit.id === c.assigneeUnitId || c.tasks.some((t) => t.unitId === unit.id)) return true;
  return unit.kind === 'center' && units.covers(unit, c.streetCode);
}

/**
 * The reach of a principal for list queries, matching canSee: a center's streets (null = the
 * whole city) and the cases it owns; a department's led and assisted cases; one's own reports.
 */
export function reachOf(principal: Principal, units: UnitDirectory): { streets: string[] | null; ownerUnitIds: string[]; handlingUnitIds: string[]; reporterUserId: string | null } {
  const unit = principal.unit;
  if (!unit) return { streets: [], ownerUnitIds: [], handlingUnitIds: [], reporterUserId: principal.user.id };
  if (unit.kind === 'center') return { streets: units.streetsOf(unit), ownerUnitIds: [unit.id], handlingUnitIds: [], reporterUserId: principal.user.id };
  return { streets: [], ownerUnitIds: [unit.id], handlingUnitIds: [unit.id], reporterUserId: principal.user.id };
}

export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '****';
}

export function seesPhone(principal: Principal, relations: ReadonlySet<Relation>): boolean {
  if (relations.has('reporter')) return true;
  return ['operator', 'supervisor', 'admin'].includes(principal.user.role) && (relations.has('owner') || relations.has('above'));
}

export function districtCenterId(c: Pick<Case, 'districtCode'>, zoneCode: string | null): string {
  return `C-${zoneCode ?? c.districtCode}`;
}

export function isDispatchTarget(unit: Unit): boolean {
  return unit.active && (unit.kind === 'department' || unit.tier === 'street');
}
