/**
 * Derives the three tiers of centers and the departments from the division tree as of a
 * date: 1 city center, one district-level center per 区县 plus one per management zone,
 * one street center per 乡镇街道; departments under the city and every district-level center.
 */
import type { DivisionVersion, ManagementZone } from '../divisions/model.ts';
import { CITY_UTILITIES, DISTRICT_DEPARTMENTS, type Unit } from './model.ts';

export const CITY_CODE = '500000';

export const centerId = (code: string) => `C-${code}`;
export const departmentId = (centerCode: string, line: string) => `D-${centerCode}-${line}`;

interface TreeView {
  at(code: string, date: string): DivisionVersion | undefined;
  children(code: string, date: string): DivisionVersion[];
}

export function deriveUnits(tree: TreeView, zones: readonly ManagementZone[], date: string): Unit[] {
  const city = tree.at(CITY_CODE, date);
  if (!city) throw new Error(`no city ${CITY_CODE} on ${date}`);
  const zoneOfStreet = new Map<string, ManagementZone>();
  for (const zone of zones) for (const street of zone.streetCodes) zoneOfStreet.set(street, zone);

  const cityCenter: Unit = {
    id: centerId(CITY_CODE), kind: 'center', tier: 'city', name: `${city.name}数字化城市运行和治理中心`,
    divisionCode: CITY_CODE, parentId: null, scopeInclude: [CITY_CODE], scopeExclude: [], line: null, active: true,
  };
  const units: Unit[] = [cityCenter];
  for (const utility of [...DISTRICT_DEPARTMENTS.map((d) => ({ ...d, name: `重庆市${d.name.replace('分局', '局')}` })), ...CITY_UTILITIES]) {
    units.push(department(cityCenter, CITY_CODE, utility.line, utility.name));
  }

  const streetCenters: Unit[] = [];
  const districtCenters: Unit[] = [];
  for (const district of tree.children(CITY_CODE, date)) {
    const streets = tree.children(district.code, date);
    const handedOver = streets.filter((s) => zoneOfStreet.has(s.code)).map((s) => s.code);
    const center: Unit = {
      id: centerId(district.code), kind: 'center', tier: 'district', name: `${district.name}数字化城市运行和治理中心`,
      divisionCode: district.code, parentId: cityCenter.id, scopeInclude: [district.code], scopeExclude: handedOver, line: null, active: true,
    };
    districtCenters.push(center);
    for (const street of streets) {
      const zone = zoneOfStreet.get(street.code);
      streetCenters.push({
        id: centerId(street.code), kind: 'center', tier: 'street', name: `${street.name}综合治理中心`,
        divisionCode: street.code, parentId: centerId(zone ? zone.code : district.code),
        scopeInclude: [street.code], scopeExclude: [], line: null, active: true,
      });
    }
  }
  for (const zone of zones) {
    districtCenters.push({
      id: centerId(zone.code), kind: 'center', tier: 'district', name: `${zone.name}数字化城市运行和治理中心`,
      divisionCode: null, parentId: cityCenter.id, scopeInclude: [...zone.streetCodes], scopeExclude: [], line: null, active: true,
    });
  }
  for (const center of districtCenters) {
    units.push(center);
    const shortName = center.name.replace('数字化城市运行和治理中心', '');
    for (const d of DISTRICT_DEPARTMENTS) units.push(department(center, center.id.slice(2), d.line, `${shortName}${d.name}`));
  }
  units.push(...streetCenters);
  return units;
}

function department(center: Unit, centerCode: string, line: string, name: string): Unit {
  return {
    id: departmentId(centerCode, line), kind: 'department', tier: center.tier, name, divisionCode: center.divisionCode,
    parentId: center.id, scopeInclude: center.scopeInclude, scopeExclude: center.scopeExclude, line, active: true,
  };
}
