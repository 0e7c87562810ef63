import { describe, expect, it } from 'vitest';
import { applyChangeSet, findIntegrityProblems, isIsoDate } from '../../src/divisions/change-sets.ts';
import type { DivisionChangeSet } from '../../src/divisions/model.ts';
import { smallCity, version } from './fixtures.ts';

const street = (code: string, name: string, parentCode: string) => ({ code, name, level: 'street' as const, parentCode, provisional: false });
const district = (code: string, name: string, provisional = false) => ({ code, name, level: 'district' as const, parentCode: '500000', provisional });

/** 江北区 merges into a new district that also takes 水土街道 from 北碚区. */
function merger(overrides: Partial<DivisionChangeSet> = {}): DivisionChangeSet {
  return {
    id: 'merge',
    name: 'merge',
    effectiveDate: '2026-01-25',
    close: ['500105', '500105006', '500105100', '500109008'],
    open: [
      district('500199', '两江新区', true),
      street('500105006', '观音桥街道', '500199'),
      street('500105100', '鱼嘴镇', '500199'),
      street('500109008', '水土街道', '500199'),
    ],
    ...overrides,
  };
}

describe('applyChangeSet', () => {
  it('closes and opens versions on the effective date', () => {
    const input = smallCity();
    const snapshot = structuredClone(input);
    const result = applyChangeSet(input, merger());
    expect(input).toEqual(snapshot);
    expect(result).toHaveLength(input.length + 4);
    const jiangbei = result.filter((v) => v.code === '500105');
    expect(jiangbei).toEqual([expect.objectContaining({ validFrom: '2023-01-01', validTo: '2026-01-25' })]);
    const moved = result.filter((v) => v.code === '500109008').map((v) => [v.parentCode, v.validFrom, v.validTo, v.changeSet]);
    expect(moved).toEqual([['500109', '2023-01-01', '2026-01-25', 'test'], ['500199', '2026-01-25', null, 'merge']]);
    expect(findIntegrityProblems(result)).toEqual([]);
  });

  it('rejects closing an unknown code', () => {
    expect(() => applyChangeSet(smallCity(), merger({ close: [...merger().close, '500188'] })))
      .toThrow('change set merge: cannot close 500188: no such division');
  });

  it('rejects closing a code that is already closed', () => {
    const once = applyChangeSet(smallCity(), merger());
    expect(() => applyChangeSet(once, merger({ id: 'again', effectiveDate: '2026-06-01', open: [] })))
      .toThrow('change set again: cannot close 500105 (江北区) on 2026-06-01: already closed on 2026-01-25');
  });

  it('rejects applying the same set twice', () => {
    const once = applyChangeSet(smallCity(), merger());
    expect(() => applyChangeSet(once, merger())).toThrow(/already closed on 2026-01-25/);
  });

  it('rejects closing a version before it starts', () => {
    expect(() => applyChangeSet(smallCity(), merger({ effectiveDate: '2022-06-01' })))
      .toThrow(/cannot close 500105 \(江北区\) on 2022-06-01: its current version only starts on 2023-01-01/);
  });

  it('rejects opening a child under a parent closed in the same set', () => {
    const set = merger({ close: [...merger().close, '500109'], open: [...merger().open, street('500109009', '复兴街道', '500109')] });
    expect(() => applyChangeSet(smallCity(), set))
      .toThrow('change set merge: cannot open 500109009 (复兴街道) under 500109 on 2026-01-25: it closes on 2026-01-25 in this set');
  });

  it('rejects opening a child under an unknown parent', () => {
    const set = merger({ open: [...merger().open.filter((o) => o.code !== '500199')] });
    expect(() => applyChangeSet(smallCity(), set)).toThrow(/cannot open 500105006 \(观音桥街道\) under 500199 on 2026-01-25: no such division/);
  });

  it('rejects opening a child under a parent that is not valid yet', () => {
    const later = [...smallCity(), version('500199', '两江新区', 'district', '500000', '2027-01-01')];
    const set = merger({ open: merger().open.filter((o) => o.code !== '500199') });
    expect(() => applyChangeSet(later, set)).toThrow(/under 500199 on 2026-01-25: it is not valid then/);
  });

  it('rejects a parent of the wrong level', () => {
    const set = merger({ open: [...merger().open, { ...street('500109099', '错误街道', '500000') }] });
    expect(() => applyChangeSet(smallCity(), set)).toThrow(/cannot open street 500109099 \(错误街道\) under city 500000 \(重庆市\); expected a district/);
  });

  it('rejects opening a code that stays open', () => {
    const set = merger({ open: [...merger().open, street('500109008', '水土街道', '500109')].slice(1) });
    expect(() => applyChangeSet(smallCity(), set)).toThrow(/listed twice in open/);
    const stays = merger({ open: [...merger().open, district('500109', '北碚区')] });
    expect(() => applyChangeSet(smallCity(), stays)).toThrow(/cannot open 500109 \(北碚区\) on 2026-01-25: 500109 北碚区 \[2023-01-01, …\) is still valid then; close it in the same set/);
  });

  it('rejects leaving children under a closed parent', () => {
    const set = merger({ close: merger().close.filter((c) => c !== '500105100'), open: merger().open.filter((o) => o.code !== '500105100') });
    expect(() => applyChangeSet(smallCity(), set)).toThrow(/1 division\(s\) would have no valid parent on 2026-01-25, e\.g\. 500105100 鱼嘴镇/);
  });

  it('rejects a malformed date', () => {
    expect(() => applyChangeSet(smallCity(), merger({ effectiveDate: '2026-02-30' }))).toThrow(/not a calendar date/);
  });
});

describe('findIntegrityProblems', () => {
  it('reports overlapping versions, missing parents and gaps', () => {
    const broken = [
      ...smallCity(),
      version('500105', '江北区', 'district', '500000', '2025-01-01'),
      version('500110001', '古南街道', 'street', '500110'),
      version('500105006009', '新社区', 'community', '500105006', '2020-01-01', '2024-01-01'),
    ];
    const problems = findIntegrityProblems(broken);
    expect(problems).toContain('500105: versions overlap: 500105 江北区 [2023-01-01, …) and 500105 江北区 [2025-01-01, …)');
    expect(problems).toContain('500110001 古南街道 [2023-01-01, …): parent 500110 is unknown');
    expect(problems).toContain('500105006009 新社区 [2020-01-01, 2024-01-01): parent 500105006 is not valid on 2020-01-01');
  });

  it('accepts the small city', () => {
    expect(findIntegrityProblems(smallCity())).toEqual([]);
  });
});

describe('isIsoDate', () => {
  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2026-01-25')).toBe(true);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-1-25')).toBe(false);
    expect(isIsoDate('2026-01-25T00:00')).toBe(false);
  });
});
