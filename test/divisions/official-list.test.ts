import { describe, expect, it } from 'vitest';
import { mergeOfficialList, parseOfficialList } from '../../src/divisions/official-list.ts';
import { applyChangeSet } from '../../src/divisions/change-sets.ts';
import { DivisionTree } from '../../src/divisions/tree.ts';
import { smallCity } from './fixtures.ts';

const HEADER = 'code,name,level,parent_code,valid_from,valid_to,replaces';

/** The small city after 江北区 becomes the provisional 500199 两江新区. */
function withProvisional() {
  return applyChangeSet(smallCity(), {
    id: 'merge', name: 'merge', effectiveDate: '2026-01-25',
    close: ['500105', '500105006', '500105100'],
    open: [
      { code: '500199', name: '两江新区', level: 'district', parentCode: '500000', provisional: true },
      { code: '500105006', name: '观音桥街道', level: 'street', parentCode: '500199', provisional: false },
      { code: '500105100', name: '鱼嘴镇', level: 'street', parentCode: '500199', provisional: false },
    ],
  });
}

describe('parseOfficialList', () => {
  it('reads rows with a BOM, quoted fields and CRLF line ends', () => {
    const text = `\uFEFF${HEADER}\r\n500157,两江新区,district,500000,2026-01-25,,500199\r\n`
      + '"500105006","观音桥街道, ""老街""",street,500157,2026-01-25,,\r\n'
      + '500105006001,"桃源\n社区",community,500105006,2023-01-01,,\r\n';
    const { rows, errors } = parseOfficialList(text);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { line: 2, code: '500157', name: '两江新区', level: 'district', parentCode: '500000', validFrom: '2026-01-25', validTo: null, replaces: '500199' },
      { line: 3, code: '500105006', name: '观音桥街道, "老街"', level: 'street', parentCode: '500157', validFrom: '2026-01-25', validTo: null, replaces: null },
      { line: 4, code: '500105006001', name: '桃源\n社区', level: 'community', parentCode: '500105006', validFrom: '2023-01-01', validTo: null, replaces: null },
    ]);
  });

  it('reports bad lines with their line numbers and keeps the good ones', () => {
    const text = [
      HEADER,
      '500000,重庆市,city,,2023-01-01,,',
      '5001,短码,district,500000,2023-01-01,,',
      '500105,江北区,district,500000,2023-01-01,2022-01-01,',
      '500105006,观音桥街道,street,500105,2023-13-01,,',
      '500109,北碚区,county,500000,2023-01-01,,',
      '',
      '500109008,水土街道,street,500109,2023-01-01,',
      '500109008,"水土"x,street,500109,2023-01-01,,',
      '500000,重庆市,city,,2023-01-01,,',
      '500109,北碚区,district,,2023-01-01,,',
      '500112000000,渝北区,district,500000000000,2023-01-01,,',
    ].join('\n');
    const { rows, errors } = parseOfficialList(text);
    expect(rows.map((r) => [r.line, r.code, r.parentCode])).toEqual([[2, '500000', null], [12, '500112', '500000']]);
    expect(errors).toEqual([
      { line: 3, message: "code '5001' is not a 6-digit district code" },
      { line: 4, message: 'valid_to 2022-01-01 is not after valid_from 2023-01-01' },
      { line: 5, message: "valid_from '2023-13-01' is not a date (YYYY-MM-DD)" },
      { line: 6, message: "unknown level 'county' (expected city/district/street/community)" },
      { line: 8, message: 'expected 7 fields, found 6' },
      { line: 9, message: "unexpected 'x' after a closing quote" },
      { line: 10, message: 'duplicate of line 2 (500000 from 2023-01-01)' },
      { line: 11, message: 'parent_code is required for a district' },
    ]);
  });

  it('counts lines inside quoted fields when numbering errors', () => {
    const text = `${HEADER}\n500105,"江北\n区",district,500000,2023-01-01,,\n500109,北碚区,district,500000,bad,,\n`;
    expect(parseOfficialList(text).errors).toEqual([{ line: 4, message: "valid_from 'bad' is not a date (YYYY-MM-DD)" }]);
  });

  it('reports an unterminated quote and a bad header', () => {
    expect(parseOfficialList(`${HEADER}\n500105,"江北区,district\n`).errors).toEqual([{ line: 2, message: 'unterminated quoted field' }]);
    expect(parseOfficialList('code,name,level\n500105,江北区,district\n').errors)
      .toEqual([{ line: 1, message: 'header is missing column(s) parent_code, valid_from, valid_to, replaces' }]);
    expect(parseOfficialList('').errors).toEqual([{ line: 1, message: expect.stringMatching(/missing header/) }]);
  });

  it('accepts Chinese level names and columns in any order', () => {
    const { rows, errors } = parseOfficialList('name,code,level,parent_code,valid_from,valid_to,replaces\n江北区,500105,区县,500000,2023-01-01,,\n');
    expect(errors).toEqual([]);
    expect(rows[0]).toMatchObject({ code: '500105', name: '江北区', level: 'district' });
  });
});

describe('mergeOfficialList', () => {
  it('replaces a provisional code everywhere and clears provisional', () => {
    const before = withProvisional();
    const { rows } = parseOfficialList(`${HEADER}\n500157,两江新区,district,500000,2026-01-25,,500199\n`);
    const { versions, summary } = mergeOfficialList(before, rows);
    expect(before.some((v) => v.code === '500199')).toBe(true);
    expect(versions.some((v) => v.code === '500199' || v.parentCode === '500199')).toBe(false);
    expect(versions.find((v) => v.code === '500157')).toMatchObject({ name: '两江新区', provisional: false, changeSet: 'merge', validFrom: '2026-01-25' });
    expect(summary).toEqual({
      added: [], updated: [], unchanged: 1, unmatchedReplaces: [], provisionalRemaining: [],
      replaced: [{ from: '500199', to: '500157', versions: 1, children: 2 }],
    });
    const tree = new DivisionTree(versions);
    expect(tree.ancestors('500105006001', '2026-02-01').map((v) => v.code)).toEqual(['500105006001', '500105006', '500157', '500000']);
    expect(tree.ancestors('500105006001', '2025-02-01').map((v) => v.code)).toEqual(['500105006001', '500105006', '500105', '500000']);
  });

  it('is idempotent', () => {
    const { rows } = parseOfficialList(`${HEADER}\n500157,两江新区,district,500000,2026-01-25,,500199\n`);
    const once = mergeOfficialList(withProvisional(), rows).versions;
    const twice = mergeOfficialList(once, rows);
    expect(twice.versions).toEqual(once);
    expect(twice.summary).toMatchObject({ added: [], updated: [], replaced: [], unmatchedReplaces: ['500199'], unchanged: 1 });
  });

  it('adds new versions and updates changed ones', () => {
    const { rows } = parseOfficialList([
      HEADER,
      '500000,重庆市,city,,1997-06-18,,',
      '500109,北碚区,district,500000,1997-06-18,,',
      '500109008,水土镇,street,500109,2023-01-01,,',
      '500109008002,新社区,community,500109008,2024-03-01,,',
    ].join('\n'));
    const { versions, summary } = mergeOfficialList(smallCity(), rows, { changeSet: 'gov-2026' });
    expect(summary.added).toEqual(['500109008002@2024-03-01']);
    expect(summary.updated).toEqual([
      { code: '500000', validFrom: '2023-01-01', fields: ['validFrom'] },
      { code: '500109', validFrom: '2023-01-01', fields: ['validFrom'] },
      { code: '500109008', validFrom: '2023-01-01', fields: ['name'] },
    ]);
    expect(versions.find((v) => v.code === '500109008002')).toMatchObject({ changeSet: 'gov-2026', provisional: false, validTo: null });
    expect(versions.find((v) => v.code === '500109')?.validFrom).toBe('1997-06-18');
  });

  it('refuses to replace an official code or to clash with an existing one', () => {
    const replaceOfficial = parseOfficialList(`${HEADER}\n500157,北碚区,district,500000,2023-01-01,,500109\n`).rows;
    expect(() => mergeOfficialList(withProvisional(), replaceOfficial)).toThrow('line 2: cannot replace 500109 (北碚区): it is not provisional');
    const clash = parseOfficialList(`${HEADER}\n500109,两江新区,district,500000,2026-01-25,,500199\n`).rows;
    expect(() => mergeOfficialList(withProvisional(), clash)).toThrow('line 2: cannot replace 500199 by 500109: 500109 already exists');
  });

  it('refuses a row spanning several versions and an inconsistent result', () => {
    const tooEarly = parseOfficialList(`${HEADER}\n500109,北碚区,district,500000,1997-06-18,,\n`).rows;
    expect(() => mergeOfficialList(smallCity(), tooEarly)).toThrow(/500109 北碚区 \[1997-06-18, …\): parent 500000 is not valid on 1997-06-18/);
    const spanning = parseOfficialList(`${HEADER}\n500105006,观音桥街道,street,500105,2024-01-01,,\n`).rows;
    expect(() => mergeOfficialList(withProvisional(), spanning)).toThrow(/line 2: 500105006 from 2024-01-01 to … overlaps 2 versions/);
    const orphan = parseOfficialList(`${HEADER}\n500110001,古南街道,street,500110,2023-01-01,,\n`).rows;
    expect(() => mergeOfficialList(smallCity(), orphan)).toThrow(/official list merge: .*parent 500110 is unknown/s);
  });
});
