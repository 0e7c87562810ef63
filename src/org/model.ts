/**
 * Organisation: the three tiers of centers (三级中心: 市/区县/镇街), departments (职能部门),
 * users with roles, and jurisdiction scopes.
 */

export type Tier = 'city' | 'district' | 'street';
export type UnitKind = 'center' | 'department';

/**
 * citizen 市民 · grid_worker 网格员 · handler 处置人员 (of a department) ·
 * operator 值班员/派遣员 · supervisor 督办/领导 · admin 管理员.
 */
export type Role = 'citizen' | 'grid_worker' | 'handler' | 'operator' | 'supervisor' | 'admin';
export const ROLES: readonly Role[] = ['citizen', 'grid_worker', 'handler', 'operator', 'supervisor', 'admin'];

export interface Unit {
  id: string;
  kind: UnitKind;
  tier: Tier;
  name: string;
  divisionCode: string | null;
  parentId: string | null;
  /** Division codes whose subtrees this unit covers … */
  scopeInclude: string[];
  /** … minus these subtrees (streets handed to a management zone). */
  scopeExclude: string[];
  /** A department's line of work (城管, 住建 …). */
  line: string | null;
  active: boolean;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitId: string | null;
  phone: string | null;
  disabled: boolean;
}

/** Who is asking: the signed-in user and the jurisdiction of their unit. */
export interface Principal {
  user: User;
  unit: Unit | null;
}

/** Departments at the city and district tiers: line id, name suffix. */
export const DISTRICT_DEPARTMENTS: readonly { line: string; name: string }[] = [
  { line: 'cg', name: '城市管理局' },
  { line: 'zj', name: '住房和城乡建设委员会' },
  { line: 'jt', name: '交通运输委员会' },
  { line: 'sl', name: '水利局' },
  { line: 'hb', name: '生态环境局' },
  { line: 'yj', name: '应急管理局' },
  { line: 'ga', name: '公安分局' },
  { line: 'sj', name: '市场监督管理局' },
  { line: 'wj', name: '卫生健康委员会' },
  { line: 'jy', name: '教育委员会' },
  { line: 'mz', name: '民政局' },
];

/** City-wide utilities (公用事业) that handle their networks everywhere. */
export const CITY_UTILITIES: readonly { line: string; name: string }[] = [
  { line: 'gas', name: '重庆燃气集团' },
  { line: 'water', name: '重庆水务集团' },
  { line: 'power', name: '国网重庆市电力公司' },
  { line: 'telecom', name: '重庆通信管线联合办公室' },
];
