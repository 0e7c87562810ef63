/**
 * What a signed-in user may see and touch (辖区). Staff see the subtree of their unit's
 * scope; citizens may read the public city model (names, outlines) but nothing of others.
 */
import type { CityModel } from '../divisions/city-model.ts';
import type { Principal, Unit } from './model.ts';
import { scopeContains, scopeCovers } from './scope.ts';

export interface Jurisdiction {
  /** The division (or its version on `date`) lies inside the user's scope. */
  covers(code: string, date: string): boolean;
  /** The division is an ancestor of the user's scope (shown in breadcrumbs, never its children outside scope). */
  isAbove(code: string, date: string): boolean;
  /** The unit is one the user works with: its area contains theirs or lies inside it. */
  seesUnit(unit: Unit, date: string): boolean;
  /** The unit's area lies wholly inside the user's scope (an admin may manage its users). */
  managesUnit(unit: Unit, date: string): boolean;
}

export function jurisdictionOf(principal: Principal, city: CityModel): Jurisdiction {
  const unit = principal.unit;
  const ancestors = (code: string, date: string) => city.tree.ancestors(code, date).map((d) => d.code);
  const ancestorsOfScopeCode = (code: string, date: string) => (city.tree.at(code, date) ? ancestors(code, date) : [code]);
  if (!unit) {
    // Citizens: the public model of the whole city, but no units or users.
    return {
      covers: (code, date) => city.tree.at(code, date) !== undefined,
      isAbove: () => false,
      seesUnit: () => false,
      managesUnit: () => false,
    };
  }
  return {
    covers: (code, date) => scopeCovers(unit, ancestors(code, date)),
    isAbove: (code, date) =>
      unit.scopeInclude.some((own) => own !== code && ancestorsOfScopeCode(own, date).includes(code)),
    seesUnit: (other, date) =>
      other.id === unit.id
      || other.scopeInclude.some((code) => scopeCovers(unit, ancestorsOfScopeCode(code, date)))
      || unit.scopeInclude.some((code) => scopeCovers(other, ancestorsOfScopeCode(code, date))),
    managesUnit: (other, date) => other.id === unit.id || scopeContains(unit, other, (code) => ancestorsOfScopeCode(code, date)),
  };
}
