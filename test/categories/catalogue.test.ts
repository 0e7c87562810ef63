import { describe, expect, it } from 'vitest';
import {
  CATEGORIES, DOMAINS, KIND_PREFIX, MAJOR_CLASSES, categoryByCode, categoryPatternName, isCategoryCode, isCategoryPattern, searchCategories,
} from '../../src/categories/catalogue.ts';

describe('category catalogue', () => {
  it('gives every category a unique, well-formed code under an existing 大类 of its kind', () => {
    const codes = CATEGORIES.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    const majors = new Map(MAJOR_CLASSES.map((m) => [m.code, m]));
    for (const c of CATEGORIES) {
      expect(c.code, c.code).toMatch(/^[CEH][0-9]{4}$/);
      expect(c.code.startsWith(KIND_PREFIX[c.kind]), c.code).toBe(true);
      expect(c.code.slice(0, 3), c.code).toBe(c.majorCode);
      const major = majors.get(c.majorCode);
      expect(major, c.code).toBeDefined();
      expect(major!.name, c.code).toBe(c.majorName);
      expect(major!.kind, c.code).toBe(c.kind);
      expect(DOMAINS.some((d) => d.code === c.domain), c.code).toBe(true);
      expect(c.name.length, c.code).toBeGreaterThan(0);
    }
    expect(new Set(MAJOR_CLASSES.map((m) => m.code)).size).toBe(MAJOR_CLASSES.length);
  });

  it('has the GB/T 30428.2 大类 of 部件 and 事件', () => {
    const names = (prefix: string) => MAJOR_CLASSES.filter((m) => m.code.startsWith(prefix)).map((m) => `${m.code} ${m.name}`);
    expect(names('C')).toEqual(['C01 公用设施', 'C02 道路交通', 'C03 市容环境', 'C04 园林绿化', 'C05 房屋土地', 'C06 其他设施']);
    expect(names('E')).toEqual(['E01 市容环境', 'E02 宣传广告', 'E03 施工管理', 'E04 突发事件', 'E05 街面秩序', 'E06 其他事件']);
  });

  it('places the well-attested classes where the standard has them', () => {
    const expected: Record<string, string> = {
      C0101: '上水井盖', C0102: '污水井盖', C0103: '雨水井盖', C0104: '雨水箅子', C0105: '电力井盖', C0111: '燃气井盖', C0201: '停车场',
      E0102: '暴露垃圾', E0103: '积存垃圾渣土', E0104: '道路不洁', E0401: '路面塌陷', E0501: '无照经营游商',
    };
    for (const [code, name] of Object.entries(expected)) {
      expect(categoryByCode(code)).toMatchObject({ name, verified: true });
    }
  });

  it('marks every unconfirmed code as such, with the reason', () => {
    const unverified = CATEGORIES.filter((c) => !c.verified);
    expect(unverified.length).toBeGreaterThan(0);
    for (const c of unverified) {
      expect(c.kind, c.code).not.toBe('hotline');
      expect(c.note, c.code).toMatch(/./);
    }
    expect(categoryByCode('E0514')).toMatchObject({ name: '占道经营', verified: false });
    expect(categoryByCode('E0601')).toMatchObject({ name: '违法建设', verified: false });
  });

  it('gives every 领域 five to ten hotline categories', () => {
    expect(DOMAINS).toHaveLength(16);
    expect(new Set(DOMAINS.map((d) => d.code)).size).toBe(16);
    for (const domain of DOMAINS) {
      const n = CATEGORIES.filter((c) => c.kind === 'hotline' && c.domain === domain.code).length;
      expect(n, domain.name).toBeGreaterThanOrEqual(5);
      expect(n, domain.name).toBeLessThanOrEqual(10);
    }
    expect(searchCategories({ q: '拖欠工资' })[0]).toMatchObject({ kind: 'hotline', domain: 'labour_social_security' });
  });

  it('looks codes and patterns up', () => {
    expect(isCategoryCode('C0101')).toBe(true);
    expect(isCategoryCode('C01')).toBe(false);
    expect(categoryByCode('X0101')).toBeUndefined();
    for (const pattern of ['C0101', 'C01', 'C', 'E', 'H', 'H08']) expect(isCategoryPattern(pattern), pattern).toBe(true);
    for (const pattern of ['C010', 'C99', 'X', '', 'C0199']) expect(isCategoryPattern(pattern), pattern).toBe(false);
    expect(categoryPatternName('C01')).toBe('部件·公用设施');
    expect(categoryPatternName('E')).toBe('全部事件');
  });

  it('searches by kind, domain, code prefix, name and alias', () => {
    expect(searchCategories({ kind: 'component' }).every((c) => c.kind === 'component')).toBe(true);
    expect(searchCategories({ q: 'E05' }).every((c) => c.majorCode === 'E05')).toBe(true);
    expect(searchCategories({ q: '井盖' }).map((c) => c.code)).toContain('C0101');
    expect(searchCategories({ q: '违章张贴小广告' }).map((c) => c.code)).toEqual(['E0201']);
    expect(searchCategories({ q: '道路塌陷' }).map((c) => c.code)).toEqual(['E0401']);
    expect(searchCategories({ domain: 'environment', kind: 'hotline' }).map((c) => c.name)).toContain('噪声扰民');
  });
});
