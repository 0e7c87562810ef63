/**
 * Importing an official division list (官方区划名录) published as CSV:
 *
 *   code,name,level,parent_code,valid_from,valid_to,replaces
 *
 * UTF-8 with an optional BOM, RFC 4180 quoting (fields may hold commas, quotes as "",
 * and line breaks). `level` is city/district/street/community or 市/区县/乡镇街道/村居.
 * Codes may be given in the 12-digit statistical form (500105001000) and are shortened
 * to the length the model uses for their level. `replaces` names a provisional code
 * that this official code supersedes.
 */
import type { DivisionLevel, DivisionVersion } from './model.ts';
import { DIVISION_LEVELS } from './model.ts';
import { assertIntegrity, isIsoDate, parentLevelOf } from './change-sets.ts';

export interface OfficialListRow extends Pick<DivisionVersion, 'code' | 'name' | 'level' | 'parentCode' | 'validFrom' | 'validTo'> {
  /** Line of the file the record starts on (1 is the header). */
  line: number;
  replaces: string | null;
}

export interface OfficialListError {
  line: number;
  message: string;
}

export interface OfficialListParseResult {
  rows: OfficialListRow[];
  errors: OfficialListError[];
}

export const OFFICIAL_LIST_COLUMNS = ['code', 'name', 'level', 'parent_code', 'valid_from', 'valid_to', 'replaces'] as const;

type Column = (typeof OFFICIAL_LIST_COLUMNS)[number];

const CODE_LENGTH: Readonly<Record<DivisionLevel, number>> = { city: 6, district: 6, street: 9, community: 12 };

const LEVEL_ALIASES: Readonly<Record<string, DivisionLevel>> = {
  city: 'city', district: 'district', street: 'street', community: 'community',
  市: 'city', 区县: 'district', 乡镇街道: 'street', 村居: 'community',
};

interface CsvRecord { line: number; fields: string[] }

/** Splits CSV text into records, reporting malformed quoting and resuming at the next line. */
export function splitCsv(text: string, errors: OfficialListError[]): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let broken = false;
    for (;;) {
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (j < n && text[j] === '"') {
        i = j + 1;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            closed = true;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          field += c;
          i++;
        }
        if (!closed) {
          errors.push({ line: startLine, message: 'unterminated quoted field' });
          return records;
        }
        while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          errors.push({ line, message: `unexpected '${text[i]}' after a closing quote` });
          broken = true;
        }
      }
      if (!broken) {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') {
            errors.push({ line, message: 'quote inside an unquoted field' });
            broken = true;
            break;
          }
          field += text[i];
          i++;
        }
      }
      if (broken) {
        while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
      }
      fields.push(field);
      field = '';
      if (i < n && text[i] === ',' && !broken) { i++; continue; }
      break;
    }
    if (i < n && text[i] === '\r') i++;
    if (i < n && text[i] === '\n') i++;
    line++;
    if (broken) continue;
    if (fields.length === 1 && fields[0].trim() === '') continue;
    records.push({ line: startLine, fields: fields.map((f) => f.trim()) });
  }
  return records;
}

/** The model's form of a code: digits only, and a 12-digit statistical code shortened when its tail is zeros. */
function normalizeCode(raw: string, level: DivisionLevel): string | null {
  if (!/^\d+$/.test(raw)) return null;
  const length = CODE_LENGTH[level];
  if (raw.length === length) return raw;
  if (raw.length === 12 && /^0+$/.test(raw.slice(length))) return raw.slice(0, length);
  return null;
}

/**
 * Parses an official list. Bad records are reported with their line number and
 * left out; the remaining rows are individually valid (cross-row checks beyond
 * duplicates happen when merging).
 */
export function parseOfficialList(text: string): OfficialListParseResult {
  const errors: OfficialListError[] = [];
  const records = splitCsv(text.startsWith('\uFEFF') ? text.slice(1) : text, errors);
  const header = records.shift();
  if (!header) {
    if (errors.length === 0) errors.push({ line: 1, message: `missing header (${OFFICIAL_LIST_COLUMNS.join(',')})` });
    return { rows: [], errors };
  }
  const names = header.fields.map((f) => f.toLowerCase());
  const index = {} as Record<Column, number>;
  const missing: string[] = [];
  for (const column of OFFICIAL_LIST_COLUMNS) {
    const at = names.indexOf(column);
    if (at < 0) missing.push(column);
    else if (names.indexOf(column, at + 1) >= 0) errors.push({ line: header.line, message: `column ${column} appears twice` });
    index[column] = at;
  }
  if (missing.length > 0) {
    errors.push({ line: header.line, message: `header is missing column(s) ${missing.join(', ')}` });
    return { rows: [], errors };
  }

  const rows: OfficialListRow[] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const problems: string[] = [];
    if (record.fields.length !== names.length) {
      errors.push({ line: record.line, message: `expected ${names.length} fields, found ${record.fields.length}` });
      continue;
    }
    const get = (c: Column) => record.fields[index[c]];

    const level = LEVEL_ALIASES[get('level').toLowerCase()];
    if (!level) problems.push(`unknown level '${get('level')}' (expected ${DIVISION_LEVELS.join('/')})`);
    const name = get('name');
    if (name === '') problems.push('name is empty');

    let code: string | null = null;
    let parentCode: string | null = null;
    let replaces: string | null = null;
    if (level) {
      code = normalizeCode(get('code'), level);
      if (code === null) problems.push(`code '${get('code')}' is not a ${CODE_LENGTH[level]}-digit ${level} code`);
      const parentLevel = parentLevelOf(level);
      const rawParent = get('parent_code');
      if (parentLevel === null) {
        if (rawParent !== '') problems.push(`a city has no parent_code, got '${rawParent}'`);
      } else if (rawParent === '') {
        problems.push(`parent_code is required for a ${level}`);
      } else {
        parentCode = normalizeCode(rawParent, parentLevel);
        if (parentCode === null) problems.push(`parent_code '${rawParent}' is not a ${CODE_LENGTH[parentLevel]}-digit ${parentLevel} code`);
      }
      const rawReplaces = get('replaces');
      if (rawReplaces !== '') {
        replaces = normalizeCode(rawReplaces, level);
        if (replaces === null) problems.push(`replaces '${rawReplaces}' is not a ${CODE_LENGTH[level]}-digit ${level} code`);
        else if (replaces === code) problems.push('a code cannot replace itself');
      }
    }

    const validFrom = get('valid_from');
    if (!isIsoDate(validFrom)) problems.push(`valid_from '${validFrom}' is not a date (YYYY-MM-DD)`);
    const rawTo = get('valid_to');
    const validTo = rawTo === '' ? null : rawTo;
    if (validTo !== null) {
      if (!isIsoDate(validTo)) problems.push(`valid_to '${validTo}' is not a date (YYYY-MM-DD)`);
      else if (isIsoDate(validFrom) && validTo <= validFrom) problems.push(`valid_to ${validTo} is not after valid_from ${validFrom}`);
    }

    if (problems.length === 0 && code !== null && level) {
      const key = `${code}@${validFrom}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) problems.push(`duplicate of line ${earlier} (${code} from ${validFrom})`);
      else seen.set(key, record.line);
    }
    if (problems.length > 0 || code === null || !level) {
      errors.push({ line: record.line, message: problems.join('; ') });
      continue;
    }
    rows.push({ line: record.line, code, name, level, parentCode, validFrom, validTo, replaces });
  }
  // Quoting errors are found while splitting, before the field checks; report in file order.
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

export interface OfficialListMergeSummary {
  /** Versions the list added, as `code@validFrom`. */
  added: string[];
  /** Versions whose attributes the list changed, with the fields that changed. */
  updated: { code: string; validFrom: string; fields: string[] }[];
  /** Provisional codes replaced by official ones, with how many versions and child versions were rewritten. */
  replaced: { from: string; to: string; versions: number; children: number }[];
  /** `replaces` codes that matched nothing (e.g. the list was already merged). */
  unmatchedReplaces: string[];
  /** Rows that matched a version exactly. */
  unchanged: number;
  /** Codes still provisional after the merge. */
  provisionalRemaining: string[];
}

export interface OfficialListMergeResult {
  versions: DivisionVersion[];
  summary: OfficialListMergeSummary;
}

function overlaps(v: DivisionVersion, from: string, to: string | null): boolean {
  return (to === null || v.validFrom < to) && (v.validTo === null || from < v.validTo);
}

/**
 * Merges an official list into a version list. First every row with `replaces` renames
 * that provisional code to the official one everywhere (its versions, and children's
 * parentCode), clearing provisional. Then each row updates the version of its code
 * with the same validFrom, or else the only version overlapping the row's dates, or is
 * added when none overlaps; rows of a code are taken oldest first so a list whose
 * dates differ from ours still lines up.
 *
 * Throws when a row cannot be placed unambiguously, when `replaces` names a code that
 * is not provisional or an official code that already exists, and when the merged list
 * is inconsistent (e.g. a parent that does not exist).
 */
export function mergeOfficialList(
  versions: readonly DivisionVersion[],
  rows: readonly OfficialListRow[],
  options: { changeSet?: string } = {},
): OfficialListMergeResult {
  const changeSet = options.changeSet ?? 'official-list';
  let result = versions.map((v) => ({ ...v }));
  const summary: OfficialListMergeSummary = {
    added: [], updated: [], replaced: [], unmatchedReplaces: [], unchanged: 0, provisionalRemaining: [],
  };

  const renamed = new Map<string, string>();
  for (const row of rows) {
    if (row.replaces === null) continue;
    const from = row.replaces;
    const earlier = renamed.get(from);
    if (earlier !== undefined) {
      if (earlier !== row.code) throw new Error(`line ${row.line}: ${from} is already replaced by ${earlier}, not ${row.code}`);
      continue;
    }
    const old = result.filter((v) => v.code === from);
    if (old.length === 0) {
      if (!summary.unmatchedReplaces.includes(from)) summary.unmatchedReplaces.push(from);
      continue;
    }
    const official = old.find((v) => !v.provisional);
    if (official) throw new Error(`line ${row.line}: cannot replace ${from} (${official.name}): it is not provisional`);
    if (result.some((v) => v.code === row.code)) {
      throw new Error(`line ${row.line}: cannot replace ${from} by ${row.code}: ${row.code} already exists`);
    }
    let children = 0;
    result = result.map((v) => {
      if (v.code === from) return { ...v, code: row.code, provisional: false };
      if (v.parentCode === from) { children++; return { ...v, parentCode: row.code }; }
      return v;
    });
    renamed.set(from, row.code);
    summary.replaced.push({ from, to: row.code, versions: old.length, children });
  }

  const byCode = new Map<string, DivisionVersion[]>();
  for (const v of result) {
    const list = byCode.get(v.code);
    if (list) list.push(v);
    else byCode.set(v.code, [v]);
  }
  const ordered = [...rows].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.validFrom < b.validFrom ? -1 : 1));
  for (const row of ordered) {
    const mine = byCode.get(row.code) ?? [];
    let target = mine.find((v) => v.validFrom === row.validFrom);
    if (!target) {
      const overlapping = mine.filter((v) => overlaps(v, row.validFrom, row.validTo));
      if (overlapping.length > 1) {
        const list = overlapping.map((v) => `[${v.validFrom}, ${v.validTo ?? '…'})`).join(', ');
        throw new Error(`line ${row.line}: ${row.code} from ${row.validFrom} to ${row.validTo ?? '…'} overlaps ${overlapping.length} versions ${list}; give one row per version`);
      }
      target = overlapping[0];
    }
    const next = {
      code: row.code, name: row.name, level: row.level, parentCode: row.parentCode,
      validFrom: row.validFrom, validTo: row.validTo, provisional: false,
    };
    if (!target) {
      const added: DivisionVersion = { ...next, changeSet };
      result.push(added);
      byCode.set(row.code, [...mine, added]);
      summary.added.push(`${row.code}@${row.validFrom}`);
      continue;
    }
    const fields = (Object.keys(next) as (keyof typeof next)[]).filter((k) => target[k] !== next[k]);
    if (fields.length === 0) {
      summary.unchanged++;
      continue;
    }
    summary.updated.push({ code: row.code, validFrom: target.validFrom, fields });
    Object.assign(target, next);
  }

  assertIntegrity(result, 'official list merge');
  summary.provisionalRemaining = [...new Set(result.filter((v) => v.provisional).map((v) => v.code))].sort();
  return { versions: result, summary };
}
