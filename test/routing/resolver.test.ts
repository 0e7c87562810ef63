import { describe, expect, it } from 'vitest';
import type { ResponsibilityRule } from '../../src/routing/model.ts';
import {
  activeOn, areaRank, expandUnitTemplate, findRuleConflicts, resolveResponsibleUnit, selectRule, triageUnitOf,
} from '../../src/routing/resolver.ts';

let serial = 0;
function rule(categoryPattern: string, areaCode: string, unitId: string, extra: Partial<ResponsibilityRule> = {}): ResponsibilityRule {
  serial++;
  return {
    id: `r${serial}`, version: 1, categoryPattern, areaCode, unitId, tier: 'district', validFrom: '2023-01-01', validTo: null,
    note: null, createdAt: '2023-01-01T00:00:00.000Z', createdBy: null, ...extra,
  };
}

// 解放碑街道 in 渝中区, one of its communities; 西永街道 in 沙坪坝区, run by 重庆高新区.
const JIEFANGBEI = ['500103003001', '500103003', '500103', '500000'];
const XIYONG = ['500106020001', '500106020', 'zone-gxq', '500106', '500000'];
const DAY = '2026-11-20';

describe('resolveResponsibleUnit precedence', () => {
  const rules = [
    rule('E', '500000', 'C-500000'),
    rule('E01', '500000', 'D-{district}-cg'),
    rule('E0102', '500000', 'D-{district}-hb'),
    rule('E01', '500103', 'D-500103-zj'),
    rule('E01', '500103003', 'C-500103003'),
    rule('E01', '500103003001', 'D-500103-sl'),
  ];

  it('lets the most specific area win: community over street over district over city', () => {
    expect(resolveResponsibleUnit(rules, 'E0103', JIEFANGBEI, DAY)?.unitId).toBe('D-500103-sl');
    expect(resolveResponsibleUnit(rules, 'E0103', ['500103003002', '500103003', '500103', '500000'], DAY)?.unitId).toBe('C-500103003');
    expect(resolveResponsibleUnit(rules, 'E0103', ['500103010001', '500103010', '500103', '500000'], DAY)?.unitId).toBe('D-500103-zj');
    expect(resolveResponsibleUnit(rules, 'E0103', ['500106001001', '500106001', '500106', '500000'], DAY)?.unitId).toBe('D-500106-cg');
  });

  it('lets an area win over a more specific category elsewhere up the chain', () => {
    // The street's rule for the whole 大类 beats the city's rule for the very category.
    expect(resolveResponsibleUnit(rules, 'E0102', ['500103003002', '500103003', '500103', '500000'], DAY)?.unitId).toBe('C-500103003');
  });

  it('then prefers the exact category over its 大类 over the whole kind', () => {
    const chain = ['500106001001', '500106001', '500106', '500000'];
    expect(resolveResponsibleUnit(rules, 'E0102', chain, DAY)?.unitId).toBe('D-500106-hb');
    expect(resolveResponsibleUnit(rules, 'E0107', chain, DAY)?.unitId).toBe('D-500106-cg');
    expect(resolveResponsibleUnit(rules, 'E0501', chain, DAY)?.unitId).toBe('C-500000');
    expect(resolveResponsibleUnit(rules, 'E0501', chain, DAY)?.rule.categoryPattern).toBe('E');
  });

  it('answers nothing for a category no rule covers', () => {
    expect(resolveResponsibleUnit(rules, 'C0101', JIEFANGBEI, DAY)).toBeUndefined();
    expect(resolveResponsibleUnit([], 'E0102', JIEFANGBEI, DAY)).toBeUndefined();
  });

  it('refuses to guess between two equally specific rules, and reports them', () => {
    const tied = [...rules, rule('E0102', '500000', 'D-{district}-cg')];
    expect(selectRule(tied, 'E0102', ['500106001001', '500106001', '500106', '500000'], DAY)).toBeUndefined();
    const conflicts = findRuleConflicts(tied);
    expect(conflicts).toHaveLength(1);
    expect([conflicts[0].a.unitId, conflicts[0].b.unitId].sort()).toEqual(['D-{district}-cg', 'D-{district}-hb']);
    expect(findRuleConflicts(rules)).toEqual([]);
  });

  it('ranks area codes by level', () => {
    expect(['500000', '500103', 'zone-gxq', '500103003', '500103003001'].map(areaRank)).toEqual([0, 1, 2, 3, 4]);
    expect(areaRank('5001')).toBeUndefined();
  });
});

describe('unit templates', () => {
  it('fills {district} and {street} from the chain', () => {
    expect(expandUnitTemplate('D-{district}-cg', JIEFANGBEI)).toBe('D-500103-cg');
    expect(expandUnitTemplate('C-{street}', JIEFANGBEI)).toBe('C-500103003');
    expect(expandUnitTemplate('D-500000-water', JIEFANGBEI)).toBe('D-500000-water');
  });

  it('names the management zone, not the district, for a street the zone runs', () => {
    expect(expandUnitTemplate('D-{district}-cg', XIYONG)).toBe('D-zone-gxq-cg');
    expect(expandUnitTemplate('C-{district}', XIYONG)).toBe('C-zone-gxq');
    expect(expandUnitTemplate('C-{street}', XIYONG)).toBe('C-500106020');
    expect(resolveResponsibleUnit([rule('E01', '500000', 'D-{district}-cg')], 'E0102', XIYONG, DAY)?.unitId).toBe('D-zone-gxq-cg');
    expect(triageUnitOf(XIYONG)).toBe('C-zone-gxq');
    expect(triageUnitOf(JIEFANGBEI)).toBe('C-500103');
    expect(triageUnitOf(['500000'])).toBe('C-500000');
  });

  it('cannot fill a street from a district-level place', () => {
    expect(expandUnitTemplate('C-{street}', ['500103', '500000'])).toBeUndefined();
    expect(expandUnitTemplate('C-{community}', JIEFANGBEI)).toBeUndefined();
    expect(resolveResponsibleUnit([rule('E05', '500000', 'C-{street}')], 'E0514', ['500103', '500000'], DAY)).toBeUndefined();
  });

  it('keeps district-wide rules out of the streets a zone took over', () => {
    const rules = [rule('E01', '500000', 'D-{district}-cg'), rule('E01', '500106', 'D-500106-hb'), rule('E0105', 'zone-gxq', 'D-zone-gxq-sl')];
    expect(resolveResponsibleUnit(rules, 'E0102', ['500106001001', '500106001', '500106', '500000'], DAY)?.unitId).toBe('D-500106-hb');
    expect(resolveResponsibleUnit(rules, 'E0102', XIYONG, DAY)?.unitId).toBe('D-zone-gxq-cg');
    expect(resolveResponsibleUnit(rules, 'E0105', XIYONG, DAY)?.unitId).toBe('D-zone-gxq-sl');
  });
});

describe('versions', () => {
  const v1 = rule('E0102', '500000', 'D-{district}-cg', { id: 'rr_x', version: 1, validFrom: '2024-01-01', validTo: '2026-03-01' });
  const v2 = { ...v1, version: 2, unitId: 'D-{district}-hb', validFrom: '2026-03-01', validTo: null };

  it('applies each version on [validFrom, validTo)', () => {
    expect(activeOn(v1, '2023-12-31')).toBe(false);
    expect(activeOn(v1, '2024-01-01')).toBe(true);
    expect(activeOn(v1, '2026-02-28')).toBe(true);
    expect(activeOn(v1, '2026-03-01')).toBe(false);
    expect(activeOn(v2, '2026-03-01')).toBe(true);
  });

  it('resolves an old date with the version valid then', () => {
    expect(resolveResponsibleUnit([v1, v2], 'E0102', JIEFANGBEI, '2025-06-01')?.unitId).toBe('D-500103-cg');
    expect(resolveResponsibleUnit([v1, v2], 'E0102', JIEFANGBEI, '2026-03-01')?.unitId).toBe('D-500103-hb');
    expect(resolveResponsibleUnit([v1, v2], 'E0102', JIEFANGBEI, '2023-06-01')).toBeUndefined();
    expect(findRuleConflicts([v1, v2])).toEqual([]);
  });

  it('sees versions that overlap in time as a conflict, and an empty range as none', () => {
    const overlapping = rule('E0102', '500000', 'C-{street}', { validFrom: '2026-02-01' });
    expect(findRuleConflicts([v1, v2, overlapping]).map((c) => [c.from, c.to])).toEqual([['2026-02-01', '2026-03-01'], ['2026-03-01', null]]);
    const replacedSameDay = rule('E0102', '500000', 'C-{street}', { validFrom: '2026-03-01', validTo: '2026-03-01' });
    expect(findRuleConflicts([v1, v2, replacedSameDay])).toEqual([]);
  });
});
