/**
 * Who gets an event (受众): the people and units it names, and staff whose jurisdiction (辖区)
 * covers where it happened. Pure: the division chain is computed once per event by the caller.
 */
import type { EventScope } from '../events/bus.ts';
import type { Principal } from '../org/model.ts';
import { scopeCovers } from '../org/scope.ts';

/**
 * The event's divisions, most specific first, ending at the city: the codes it lists (city
 * down to the finest) plus the ancestors the tree knows for each, so a publisher naming only
 * a street still reaches the district and city above it.
 */
export function divisionChain(divisionCodes: readonly string[], ancestorsOf: (code: string) => readonly string[]): string[] {
  const chain: string[] = [];
  for (const code of [...divisionCodes].reverse()) {
    for (const c of [code, ...ancestorsOf(code)]) if (!chain.includes(c)) chain.push(c);
  }
  return chain;
}

/**
 * Whether a principal gets an event: named as a user, or (staff only) named as a unit, or the
 * event lies inside their unit's scope, where the most specific listed division decides, so
 * a district center does not get the streets a management zone runs. Departments get only
 * events naming their unit (a city-wide utility would otherwise see every case in the city),
 * as they see only the cases given to them. Citizens only get events naming them.
 */
export function receives(principal: Principal, scope: Pick<EventScope, 'unitIds' | 'userIds'>, chain: readonly string[]): boolean {
  if (scope.userIds.includes(principal.user.id)) return true;
  const unit = principal.unit;
  if (principal.user.role === 'citizen' || !unit) return false;
  if (scope.unitIds.includes(unit.id)) return true;
  return unit.kind === 'center' && chain.length > 0 && scopeCovers(unit, chain);
}
