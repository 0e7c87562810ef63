import { beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/categories/catalogue.ts';
import { deriveUnits } from '../../src/org/derive.ts';
import { SEED_RULES, areaChainOfCode, findRuleConflicts, loadRules, resolveResponsibleUnit, seedResponsibilityRules, type ResponsibilityRule } from '../../src/routing/index.ts';
import { useTestApp } from '../support/app.ts';

const app = await useTestApp();
const TODAY = '2026-11-20';
let rules: ResponsibilityRule[];

const chainOf = (code: string, date = TODAY) => areaChainOfCode(app.ctx.city, code, date);
const firstCommunity = (street: string) => app.ctx.city.tree.children(street, TODAY)[0].code;
const resolveAt = (category: string, code: string, date = TODAY) => resolveResponsibleUnit(rules, category, chainOf(code, date), date)?.unitId;

beforeAll(async () => {
  // The test template may already hold the seed; seeding again must then change nothing.
  const seeded = await seedResponsibilityRules(app.ctx.db, new Date('2026-06-01T02:00:00Z'));
  expect([SEED_RULES.length, 0]).toContain(seeded.rules);
  rules = await loadRules(app.ctx.db);
});

describe('the seeded responsibility list', () => {
  it('is seeded once, city-wide, from the start of the city model, without conflicts', async () => {
    expect(await seedResponsibilityRules(app.ctx.db, new Date())).toEqual({ rules: 0, skipped: true });
    expect(rules).toHaveLength(SEED_RULES.length);
    expect(rules.every((r) => r.areaCode === '500000' && r.validFrom === '2023-01-01' && r.validTo === null)).toBe(true);
    expect(findRuleConflicts(rules)).toEqual([]);
  });

  it('sends a 上水井盖 anywhere in the city to the water utility', () => {
    const districts = app.ctx.city.tree.children('500000', TODAY);
    expect(districts).toHaveLength(37);
    for (const district of districts) {
      const street = app.ctx.city.tree.children(district.code, TODAY)[0].code;
      expect(resolveAt('C0101', firstCommunity(street)), district.name).toBe('D-500000-water');
    }
    expect(resolveAt('C0111', '500103003')).toBe('D-500000-gas');
    expect(resolveAt('E0403', '500103003')).toBe('D-500000-gas');
    expect(resolveAt('C0105', '500103003')).toBe('D-500000-power');
    expect(resolveAt('C0107', '500103003')).toBe('D-500000-telecom');
  });

  it('gives district departments and street centers by where the case is', () => {
    expect(resolveAt('E0102', '500103')).toBe('D-500103-cg');
    expect(resolveAt('E0102', firstCommunity('500103003'))).toBe('D-500103-cg');
    expect(resolveAt('E0514', '500103003')).toBe('C-500103003');
    expect(resolveAt('E0201', firstCommunity('500103003'))).toBe('C-500103003');
    expect(resolveAt('E0601', '500103010')).toBe('C-500103010');
    expect(resolveAt('E0401', '500103003')).toBe('D-500103-jt');
    expect(resolveAt('E0301', '500103003')).toBe('D-500103-hb');
    expect(resolveAt('H0701', '500103003')).toBe('D-500103-hb');
    expect(resolveAt('H0501', '500103003')).toBe('D-500103-sj');
    expect(resolveAt('H1401', '500105002')).toBe('D-500199-zj');
  });

  it('sends a street in 重庆高新区 to the zone, not to 沙坪坝区', () => {
    const gxq = app.ctx.city.zones.find((z) => z.code === 'zone-gxq')!;
    const street = gxq.streetCodes.find((s) => s.startsWith('500106'))!;
    expect(chainOf(street)).toEqual([street, 'zone-gxq', '500106', '500000']);
    expect(resolveAt('E0102', firstCommunity(street))).toBe('D-zone-gxq-cg');
    expect(resolveAt('E0514', street)).toBe(`C-${street}`);
    expect(resolveAt('C0101', street)).toBe('D-500000-water');
  });

  it('gives nothing for what no rule covers', () => {
    expect(resolveAt('H0801', '500103003')).toBeUndefined();
    expect(resolveAt('H1201', '500103003')).toBeUndefined();
    expect(resolveAt('H0901', '500103003')).toBeUndefined();
  });

  it('resolves a 2025 case in today’s 两江新区 through 江北区', () => {
    // 观音桥街道 (500105002) belonged to 江北区 before the 2026 reform.
    expect(resolveAt('E0102', '500105002', '2025-06-01')).toBe('D-500105-cg');
    expect(resolveAt('E0102', '500105002')).toBe('D-500199-cg');
  });

  it('names only units the organisation has, for every category in every street', () => {
    const units = new Set(deriveUnits(app.ctx.city.tree, app.ctx.city.zones, TODAY).map((u) => u.id));
    let resolved = 0;
    for (const district of app.ctx.city.tree.children('500000', TODAY)) {
      for (const street of app.ctx.city.tree.children(district.code, TODAY)) {
        const chain = chainOf(firstCommunity(street.code));
        for (const category of CATEGORIES) {
          const hit = resolveResponsibleUnit(rules, category.code, chain, TODAY);
          if (!hit) continue;
          resolved++;
          if (!units.has(hit.unitId)) expect.fail(`${category.code} in ${street.code} → ${hit.unitId}, which does not exist`);
        }
      }
    }
    expect(resolved).toBeGreaterThan(100_000);
  });
});
