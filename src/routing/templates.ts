/**
 * Unit references a rule may hold: a concrete unit id, or a template filled from where the case
 * is. Only the shapes the organisation actually derives are accepted, so a typo in a template
 * cannot produce units that never exist.
 */
import { CITY_UTILITIES, DISTRICT_DEPARTMENTS, type Tier } from '../org/model.ts';
import { CITY_CODE } from '../org/derive.ts';

const DEPARTMENT_LINES = DISTRICT_DEPARTMENTS.map((d) => d.line);
const CITY_LINES = [...DEPARTMENT_LINES, ...CITY_UTILITIES.map((u) => u.line)];

const DISTRICT_DEPARTMENT_TEMPLATE = /^D-\{district\}-([a-z]+)$/;

/** The tier a template names (street center, or a district-level center or department); undefined when not a valid template. */
export function templateTier(template: string): Tier | undefined {
  if (template === 'C-{street}') return 'street';
  if (template === 'C-{district}') return 'district';
  const line = DISTRICT_DEPARTMENT_TEMPLATE.exec(template)?.[1];
  return line && DEPARTMENT_LINES.includes(line) ? 'district' : undefined;
}

/** The city center and its departments and utilities, known without a lookup. */
export function isCityUnit(unitId: string): boolean {
  if (unitId === `C-${CITY_CODE}`) return true;
  const prefix = `D-${CITY_CODE}-`;
  return unitId.startsWith(prefix) && CITY_LINES.includes(unitId.slice(prefix.length));
}
