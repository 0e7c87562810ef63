/**
 * The starting responsibility list for Chongqing: city-wide rules (area 500000) whose units are
 * mostly templates, so one rule serves all 37 districts, both management zones and every street.
 * Utilities that run one network across the city (water, gas, power, telecom) are named
 * directly. Categories with no line among the district departments (wages and social security,
 * agriculture, tourism …) are left out on purpose: such cases go to the district center's triage
 * queue, where a person picks the unit.
 */
import type { Db } from '../storage/db.ts';
import { appendAudit } from '../audit/index.ts';
import { BASE_VALID_FROM } from '../divisions/model.ts';
import { CITY_CODE } from '../org/derive.ts';
import type { Tier } from '../org/model.ts';
import { countRules, insertVersions, lockRuleWrites, type NewVersion } from './store.ts';
import { templateTier } from './templates.ts';

export interface SeedRule { pattern: string; unit: string; note?: string }

const WATER = 'D-500000-water';
const GAS = 'D-500000-gas';
const POWER = 'D-500000-power';
const TELECOM = 'D-500000-telecom';
const STREET = 'C-{street}';
const dept = (line: string) => `D-{district}-${line}`;

export const SEED_RULES: readonly SeedRule[] = [
  // 部件 公用设施: the district's 城管 by default, network covers to their utility.
  { pattern: 'C01', unit: dept('cg'), note: '公用设施默认由区县城市管理局处置' },
  ...['C0101', 'C0102', 'C0103', 'C0104', 'C0127', 'C0132'].map((pattern) => ({ pattern, unit: WATER, note: '供排水管网设施由重庆水务集团维护' })),
  ...['C0111', 'C0129', 'C0135'].map((pattern) => ({ pattern, unit: GAS, note: '燃气设施由重庆燃气集团维护' })),
  ...['C0105', 'C0116', 'C0133', 'C0134'].map((pattern) => ({ pattern, unit: POWER, note: '电力设施由国网重庆市电力公司维护' })),
  ...['C0107', 'C0108', 'C0109', 'C0115', 'C0122'].map((pattern) => ({ pattern, unit: TELECOM, note: '通信管线由通信管线联合办公室协调' })),
  ...['C0112', 'C0136', 'C0138'].map((pattern) => ({ pattern, unit: dept('ga') })),
  { pattern: 'C0113', unit: dept('yj') },
  { pattern: 'C02', unit: dept('jt'), note: '道路交通设施由区县交通运输委员会处置' },
  { pattern: 'C03', unit: dept('cg') },
  { pattern: 'C0308', unit: dept('hb') },
  { pattern: 'C0311', unit: dept('hb') },
  { pattern: 'C04', unit: dept('cg'), note: '园林绿化由区县城市管理局处置' },
  { pattern: 'C05', unit: dept('zj') },
  { pattern: 'C0601', unit: dept('yj') },
  { pattern: 'C0602', unit: dept('zj') },
  ...['C0603', 'C0604', 'C0606'].map((pattern) => ({ pattern, unit: dept('sl') })),
  { pattern: 'C0605', unit: dept('jt') },

  // 事件.
  { pattern: 'E01', unit: dept('cg'), note: '市容环境默认由区县城市管理局处置' },
  { pattern: 'E0101', unit: STREET, note: '私搭乱建由镇街综合执法处置' },
  { pattern: 'E0105', unit: dept('sl') },
  { pattern: 'E0110', unit: dept('jt') },
  { pattern: 'E0111', unit: dept('sl') },
  { pattern: 'E0116', unit: dept('hb') },
  { pattern: 'E0118', unit: STREET },
  { pattern: 'E02', unit: dept('cg') },
  { pattern: 'E0201', unit: STREET, note: '小广告由镇街清理' },
  { pattern: 'E0204', unit: STREET },
  { pattern: 'E03', unit: dept('zj'), note: '施工管理由区县住房和城乡建设委员会处置' },
  { pattern: 'E0301', unit: dept('hb'), note: '噪声由区县生态环境局处置' },
  { pattern: 'E0305', unit: dept('jt') },
  { pattern: 'E04', unit: dept('yj'), note: '突发事件默认由区县应急管理局处置' },
  { pattern: 'E0401', unit: dept('jt'), note: '路面塌陷由区县交通运输委员会处置' },
  { pattern: 'E0402', unit: WATER },
  { pattern: 'E0403', unit: GAS },
  { pattern: 'E0404', unit: WATER },
  { pattern: 'E0406', unit: dept('cg') },
  { pattern: 'E0408', unit: TELECOM },
  { pattern: 'E0409', unit: dept('ga') },
  { pattern: 'E05', unit: STREET, note: '街面秩序由镇街综合执法处置' },
  { pattern: 'E0502', unit: dept('mz') },
  { pattern: 'E0505', unit: dept('ga'), note: '机动车乱停放由公安交巡警处置' },
  { pattern: 'E0508', unit: dept('hb') },
  { pattern: 'E0509', unit: dept('jt') },
  { pattern: 'E0601', unit: STREET, note: '违法建设由镇街先行制止、查处' },
  { pattern: 'E0603', unit: dept('jt') },

  // 12345 hotline, by domain.
  { pattern: 'H01', unit: dept('zj') },
  { pattern: 'H0101', unit: dept('cg') },
  { pattern: 'H0102', unit: WATER },
  { pattern: 'H0103', unit: POWER },
  { pattern: 'H0104', unit: GAS },
  { pattern: 'H0105', unit: dept('cg') },
  { pattern: 'H0106', unit: dept('cg') },
  { pattern: 'H02', unit: dept('jt') },
  { pattern: 'H03', unit: dept('jy') },
  { pattern: 'H0404', unit: dept('ga') },
  { pattern: 'H05', unit: dept('sj') },
  { pattern: 'H06', unit: dept('ga') },
  { pattern: 'H0604', unit: STREET, note: '邻里纠纷由镇街调解' },
  { pattern: 'H07', unit: dept('hb') },
  // 医保 has its own bureau, not a line here, so 医疗卫生 is assigned category by category.
  ...['H0902', 'H0903', 'H0904', 'H0905', 'H0906', 'H0907'].map((pattern) => ({ pattern, unit: dept('wj') })),
  { pattern: 'H1301', unit: dept('ga') },
  { pattern: 'H1306', unit: dept('ga') },
  { pattern: 'H14', unit: dept('zj') },
  { pattern: 'H15', unit: dept('mz') },
  { pattern: 'H1506', unit: STREET },
  { pattern: 'H16', unit: dept('yj') },
];

/** The id a seeded rule keeps forever, readable in logs and case records. */
export const seedRuleId = (pattern: string) => `rr_seed_${pattern}`;

function tierOf(unit: string): Tier {
  return templateTier(unit) ?? 'city';
}

/** Seeds the list once (skipped when any rule exists), valid from the start of the city model so old cases resolve too. */
export async function seedResponsibilityRules(db: Db, at: Date): Promise<{ rules: number; skipped: boolean }> {
  const versions: NewVersion[] = SEED_RULES.map((r) => ({
    id: seedRuleId(r.pattern), version: 1, categoryPattern: r.pattern, areaCode: CITY_CODE, unitId: r.unit, tier: tierOf(r.unit),
    validFrom: BASE_VALID_FROM, validTo: null, note: r.note ?? null, createdAt: at, createdBy: null,
  }));
  return db.transaction(async (tx) => {
    // Counted under the lock, so two nodes seeding at once do not both insert.
    await lockRuleWrites(tx);
    if (await countRules(tx) > 0) return { rules: 0, skipped: true };
    await insertVersions(tx, versions);
    await appendAudit(tx, {
      at, actor: null, action: 'responsibility_rule.seed', entityType: 'responsibility_rule', entityId: CITY_CODE,
      after: { rules: versions.length, validFrom: BASE_VALID_FROM },
    });
    return { rules: versions.length, skipped: false };
  });
}
