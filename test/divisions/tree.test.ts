import { describe, expect, it } from 'vitest';
import { DivisionTree } from '../../src/divisions/tree.ts';
import { applyChangeSet } from '../../src/divisions/change-sets.ts';
import { chongqingCityModel } from '../../src/divisions/chongqing.ts';
import { smallCity, version } from './fixtures.ts';

const codes = (list: { code: string }[]) => list.map((v) => v.code);

/** The small city after 鱼嘴镇 moves to 北碚区 on 2026-01-25. */
function movedTree(): DivisionTree {
  return new DivisionTree(applyChangeSet(smallCity(), {
    id: 'move', name: 'move', effectiveDate: '2026-01-25', close: ['500105100'],
    open: [{ code: '500105100', name: '鱼嘴镇', level: 'street', parentCode: '500109', provisional: false }],
  }));
}

describe('DivisionTree on a small city', () => {
  const tree = movedTree();

  it('finds the version valid on a date, with validTo exclusive', () => {
    expect(tree.at('500105100', '2026-01-24')?.parentCode).toBe('500105');
    expect(tree.at('500105100', '2026-01-25')?.parentCode).toBe('500109');
    expect(tree.at('500105100', '2022-12-31')).toBeUndefined();
    expect(tree.at('599999', '2026-01-25')).toBeUndefined();
  });

  it('lists children per date, sorted by code', () => {
    expect(codes(tree.children('500105', '2025-01-01'))).toEqual(['500105006', '500105100']);
    expect(codes(tree.children('500105', '2026-01-25'))).toEqual(['500105006']);
    expect(codes(tree.children('500109', '2026-01-25'))).toEqual(['500105100', '500109008']);
    expect(tree.children('500105100200', '2026-01-25')).toEqual([]);
  });

  it('walks ancestors self first up to the city', () => {
    expect(codes(tree.ancestors('500105100200', '2025-01-01'))).toEqual(['500105100200', '500105100', '500105', '500000']);
    expect(codes(tree.ancestors('500105100200', '2026-02-01'))).toEqual(['500105100200', '500105100', '500109', '500000']);
    expect(tree.ancestors('500105100200', '2020-01-01')).toEqual([]);
  });

  it('tells whether a division lies within another on a date', () => {
    expect(tree.isWithin('500105100200', '500105', '2025-01-01')).toBe(true);
    expect(tree.isWithin('500105100200', '500105', '2026-01-25')).toBe(false);
    expect(tree.isWithin('500105100200', '500109', '2026-01-25')).toBe(true);
    expect(tree.isWithin('500105', '500105', '2025-01-01')).toBe(true);
    expect(tree.isWithin('500105', '500105100200', '2025-01-01')).toBe(false);
  });

  it('counts by level', () => {
    expect(tree.countByLevel('2025-01-01')).toEqual({ city: 1, district: 2, street: 3, community: 4 });
  });

  it('keeps every version of a code, oldest first', () => {
    expect(tree.versionsOf('500105100').map((v) => v.validFrom)).toEqual(['2023-01-01', '2026-01-25']);
    expect(tree.versionsOf('599999')).toEqual([]);
  });

  it('does not let callers corrupt its indexes', () => {
    expect(() => { tree.at('500105', '2025-01-01')!.name = 'x'; }).toThrow(TypeError);
    tree.children('500105', '2025-01-01').pop();
    expect(tree.children('500105', '2025-01-01')).toHaveLength(2);
  });

  it('rejects malformed dates instead of comparing them as strings', () => {
    expect(() => tree.at('500105', '2026-1-25')).toThrow(/not a calendar date/);
    expect(() => tree.ancestors('500105', '')).toThrow(RangeError);
  });

  it('refuses inconsistent versions', () => {
    expect(() => new DivisionTree([...smallCity(), version('500110001', '古南街道', 'street', '500110')]))
      .toThrow(/division tree: 1 integrity problem\(s\):\n {2}- 500110001 古南街道 \[2023-01-01, …\): parent 500110 is unknown/);
  });
});

describe('DivisionTree over Chongqing', () => {
  const tree = new DivisionTree(chongqingCityModel().versions);
  const TODAY = '2026-06-01';

  it('searches by name, best matches first', () => {
    const hits = tree.search('观音桥', TODAY, 10);
    expect(hits[0]).toMatchObject({ code: '500105006', name: '观音桥街道' });
    expect(hits.every((h) => h.name.includes('观音桥'))).toBe(true);
    expect(tree.search('两江新区', TODAY, 5)[0].code).toBe('500199');
    expect(tree.search('两江新区', '2025-06-01', 5)).toEqual([]);
  });

  it('searches by code prefix', () => {
    const hits = tree.search('500105006', TODAY, 100);
    expect(hits[0].code).toBe('500105006');
    expect(hits.every((h) => h.code.startsWith('500105006'))).toBe(true);
    expect(hits.length).toBe(1 + tree.children('500105006', TODAY).length);
  });

  it('respects the limit and ignores blank queries', () => {
    expect(tree.search('村', TODAY, 7)).toHaveLength(7);
    expect(tree.search('  ', TODAY)).toEqual([]);
  });

  it('answers ancestors in microseconds', () => {
    const community = tree.children('500105006', TODAY)[0].code;
    const n = 100_000;
    const start = performance.now();
    for (let i = 0; i < n; i++) tree.ancestors(community, TODAY);
    const microseconds = ((performance.now() - start) * 1000) / n;
    expect(microseconds).toBeLessThan(20);
  });
});
