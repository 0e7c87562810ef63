/**
 * Resolving the responsibility list (权责清单), pure: given the rules, a category and where the
 * case is, which unit must handle it.
 *
 * Precedence: the most specific area wins (community over street over management zone over
 * district over the whole city), then the most specific category pattern (a category code over
 * its 大类 over the whole kind). Two rules equally specific on both counts are a configuration
 * error: the resolver then answers nothing (the case goes to triage rather than to a guess) and
 * `findRuleConflicts` reports the pair.
 */
import type { Location } from '../divisions/city-model.ts';
import type { DivisionVersion, ManagementZone } from '../divisions/model.ts';
import { CITY_CODE } from '../org/derive.ts';
import type { ResponsibilityRule } from './model.ts';

const ZONE = /^zone-[a-z0-9-]+$/;
const DISTRICT = /^[0-9]{6}$/;
const STREET = /^[0-9]{9}$/;
const COMMUNITY = /^[0-9]{12}$/;

export const isZoneCode = (code: string): boolean => ZONE.test(code);

/** How specific an area code is: 0 city, 1 district, 2 zone, 3 street, 4 community; undefined when not an area code. */
export function areaRank(code: string): number | undefined {
  if (code === CITY_CODE) return 0;
  if (DISTRICT.test(code)) return 1;
  if (ZONE.test(code)) return 2;
  if (STREET.test(code)) return 3;
  if (COMMUNITY.test(code)) return 4;
  return undefined;
}

/**
 * The area chain of a located point, most specific first: community, street, the management
 * zone when the street has one, district, city.
 */
export function areaChainOf(location: Pick<Location, 'community' | 'street' | 'zone' | 'district' | 'city'>): string[] {
  return [location.community.code, location.street.code, ...(location.zone ? [location.zone.code] : []), location.district.code, location.city.code];
}

interface CityView {
  tree: { ancestors(code: string, date: string): DivisionVersion[] };
  zones: readonly ManagementZone[];
}

/** The area chain of a division (or a zone) as of a date; empty when the code is unknown then. */
export function areaChainOfCode(city: CityView, code: string, date: string): string[] {
  if (isZoneCode(code)) return city.zones.some((z) => z.code === code) ? [code, CITY_CODE] : [];
  const chain = city.tree.ancestors(code, date).map((d) => d.code);
  const zone = city.zones.find((z) => chain.some((c) => z.streetCodes.includes(c)));
  if (!zone) return chain;
  // The zone sits right above its street, below the district it runs the street for.
  const at = chain.findIndex((c) => zone.streetCodes.includes(c));
  return [...chain.slice(0, at + 1), zone.code, ...chain.slice(at + 1)];
}

/** The code the district-level center of the chain goes by: the zone's when there is one. */
function districtCenterCode(chain: readonly string[]): string | undefined {
  return chain.find((c) => ZONE.test(c)) ?? chain.find((c) => DISTRICT.test(c) && c !== CITY_CODE);
}

/**
 * Fills a unit template from the area chain: {district} becomes the district-level center's
 * code (the management zone's code when the street is in one, so 西永街道 gives D-zone-gxq-cg),
 * {street} the street code. Undefined when the chain lacks what the template needs.
 */
export function expandUnitTemplate(template: string, areaChain: readonly string[]): string | undefined {
  let missing = false;
  const unit = template.replace(/\{([a-z]+)\}/g, (_, name: string) => {
    const value = name === 'district' ? districtCenterCode(areaChain) : name === 'street' ? areaChain.find((c) => STREET.test(c)) : undefined;
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : unit;
}

export const isUnitTemplate = (unitId: string): boolean => unitId.includes('{');

/** True when the version applies on the date: validFrom <= date < validTo. */
export function activeOn(rule: Pick<ResponsibilityRule, 'validFrom' | 'validTo'>, date: string): boolean {
  return rule.validFrom <= date && (rule.validTo === null || date < rule.validTo);
}

function appliesToArea(areaCode: string, chain: readonly string[], inZone: boolean): boolean {
  // A district's centers do not run the streets a management zone took over, so district-wide
  // rules stop at the zone: the zone's own rules, or the city's, decide there.
  return chain.includes(areaCode) && !(inZone && areaRank(areaCode) === 1);
}

/** The winning rule version for a category at a place on a date; undefined when none applies or the best two tie. */
export function selectRule(rules: readonly ResponsibilityRule[], categoryCode: string, areaChain: readonly string[], date: string): ResponsibilityRule | undefined {
  const inZone = areaChain.some((c) => ZONE.test(c));
  let best: ResponsibilityRule | undefined;
  let bestKey = -1;
  let tied = false;
  for (const rule of rules) {
    if (!activeOn(rule, date) || !categoryCode.startsWith(rule.categoryPattern) || !appliesToArea(rule.areaCode, areaChain, inZone)) continue;
    const key = (areaRank(rule.areaCode) ?? 0) * 100 + rule.categoryPattern.length;
    if (key > bestKey) {
      best = rule;
      bestKey = key;
      tied = false;
    } else if (key === bestKey) {
      tied = true;
    }
  }
  return tied ? undefined : best;
}

/**
 * The unit the list gives for a category at a place on a date, with the rule that gave it;
 * undefined when no rule covers it (the case then goes to the district center's triage queue).
 */
export function resolveResponsibleUnit(
  rules: readonly ResponsibilityRule[], categoryCode: string, areaChain: readonly string[], date: string,
): { rule: ResponsibilityRule; unitId: string } | undefined {
  const rule = selectRule(rules, categoryCode, areaChain, date);
  if (!rule) return undefined;
  const unitId = expandUnitTemplate(rule.unitId, areaChain);
  return unitId === undefined ? undefined : { rule, unitId };
}

/** Where a case goes when the list gives no unit: the district-level center (the city center above every district). */
export function triageUnitOf(areaChain: readonly string[]): string {
  return `C-${districtCenterCode(areaChain) ?? CITY_CODE}`;
}

export interface RuleConflict {
  a: ResponsibilityRule;
  b: ResponsibilityRule;
  /** The days both apply: [from, to). */
  from: string;
  to: string | null;
}

const later = (x: string, y: string) => (x > y ? x : y);
const earlier = (x: string | null, y: string | null) => (x === null ? y : y === null ? x : x < y ? x : y);

/** Pairs of versions that name the same pattern for the same area on overlapping days: ties the resolver cannot break. */
export function findRuleConflicts(rules: readonly ResponsibilityRule[]): RuleConflict[] {
  const groups = new Map<string, ResponsibilityRule[]>();
  for (const rule of rules) {
    const key = `${rule.categoryPattern}\u0000${rule.areaCode}`;
    const group = groups.get(key);
    if (group) group.push(rule);
    else groups.set(key, [rule]);
  }
  const conflicts: RuleConflict[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const a = group[i];
        const b = group[j];
        const from = later(a.validFrom, b.validFrom);
        const to = earlier(a.validTo, b.validTo);
        if (to === null || from < to) conflicts.push({ a, b, from, to });
      }
    }
  }
  return conflicts;
}
