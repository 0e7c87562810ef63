/**
 * Applying dated change sets (调整批次) to a list of division versions, and the
 * consistency rules every version list must satisfy. Versions are treated as
 * immutable values: every function here returns new objects.
 */
import type { DivisionChangeSet, DivisionLevel, DivisionVersion } from './model.ts';
import { DIVISION_LEVELS } from './model.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written 'YYYY-MM-DD' (so '2026-02-30' is rejected). */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Whether a version is valid on a date; validTo is exclusive, so a change set's closing and opening versions never overlap. */
export function isValidOn(version: DivisionVersion, date: string): boolean {
  return version.validFrom <= date && (version.validTo === null || date < version.validTo);
}

/** The level a division's parent must have, or null for the city (the root). */
export function parentLevelOf(level: DivisionLevel): DivisionLevel | null {
  const i = DIVISION_LEVELS.indexOf(level);
  return i > 0 ? DIVISION_LEVELS[i - 1] : null;
}

function describe(v: DivisionVersion): string {
  return `${v.code} ${v.name} [${v.validFrom}, ${v.validTo ?? '…'})`;
}

function groupByCode(versions: readonly DivisionVersion[]): Map<string, DivisionVersion[]> {
  const byCode = new Map<string, DivisionVersion[]>();
  for (const v of versions) {
    const list = byCode.get(v.code);
    if (list) list.push(v);
    else byCode.set(v.code, [v]);
  }
  for (const list of byCode.values()) {
    if (list.length > 1) list.sort((a, b) => (a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : 0));
  }
  return byCode;
}

/**
 * The first day in [from, to) on which none of `versions` (sorted by validFrom) is
 * valid, or null when they cover the whole range.
 */
function firstUncoveredDay(versions: readonly DivisionVersion[], from: string, to: string | null): string | null {
  let cursor = from;
  for (const v of versions) {
    if (v.validTo !== null && v.validTo <= cursor) continue;
    if (v.validFrom > cursor) return cursor;
    if (v.validTo === null) return null;
    cursor = v.validTo;
    if (to !== null && cursor >= to) return null;
  }
  return cursor;
}

/**
 * Every rule violation in a version list, as readable messages (empty when the list
 * is consistent): well-formed dates and levels, no two versions of one code valid on
 * the same day, one level per code, and a parent one level up that is valid on every
 * day its child is.
 */
export function findIntegrityProblems(versions: readonly DivisionVersion[]): string[] {
  const problems: string[] = [];
  const byCode = groupByCode(versions);
  for (const [code, list] of byCode) {
    for (let i = 0; i < list.length; i++) {
      const v = list[i];
      if (!DIVISION_LEVELS.includes(v.level)) problems.push(`${describe(v)}: unknown level '${v.level}'`);
      if (!isIsoDate(v.validFrom)) problems.push(`${describe(v)}: validFrom is not a calendar date`);
      if (v.validTo !== null && (!isIsoDate(v.validTo) || v.validTo <= v.validFrom)) {
        problems.push(`${describe(v)}: validTo must be a calendar date after validFrom`);
      }
      if (v.level !== list[0].level) problems.push(`${code}: versions disagree on the level (${list[0].level} vs ${v.level})`);
      const next = list[i + 1];
      if (next && (v.validTo === null || v.validTo > next.validFrom)) {
        problems.push(`${code}: versions overlap: ${describe(v)} and ${describe(next)}`);
      }
    }
  }
  for (const v of versions) {
    const expectedParentLevel = parentLevelOf(v.level);
    if (expectedParentLevel === null) {
      if (v.parentCode !== null) problems.push(`${describe(v)}: a city has no parent, got ${v.parentCode}`);
      continue;
    }
    if (v.parentCode === null) {
      problems.push(`${describe(v)}: a ${v.level} needs a parent ${expectedParentLevel}`);
      continue;
    }
    const parents = byCode.get(v.parentCode);
    if (!parents) {
      problems.push(`${describe(v)}: parent ${v.parentCode} is unknown`);
      continue;
    }
    if (parents[0].level !== expectedParentLevel) {
      problems.push(`${describe(v)}: parent ${v.parentCode} is a ${parents[0].level}, expected a ${expectedParentLevel}`);
      continue;
    }
    const gap = firstUncoveredDay(parents, v.validFrom, v.validTo);
    if (gap !== null) problems.push(`${describe(v)}: parent ${v.parentCode} is not valid on ${gap}`);
  }
  return problems;
}

/** Throws when the list is inconsistent, naming the first few problems. */
export function assertIntegrity(versions: readonly DivisionVersion[], context: string): void {
  const problems = findIntegrityProblems(versions);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10).map((p) => `  - ${p}`).join('\n');
  const more = problems.length > 10 ? `\n  … and ${problems.length - 10} more` : '';
  throw new Error(`${context}: ${problems.length} integrity problem(s):\n${shown}${more}`);
}

/**
 * Applies a change set: the open version of every code in `close` ends on
 * effectiveDate (exclusive), and every entry of `open` starts a version on that date.
 * A code may be both closed and opened, which is how a division that keeps its code
 * but changes parent or territory gets a new version.
 *
 * Throws, leaving nothing half-applied, when the set is malformed: closing an unknown
 * or already closed code, opening a code that stays open, or opening a child under a
 * parent that is not valid on effectiveDate; and when the result is inconsistent, e.g.
 * a closed parent still has children.
 */
export function applyChangeSet(versions: readonly DivisionVersion[], set: DivisionChangeSet): DivisionVersion[] {
  const date = set.effectiveDate;
  const where = `change set ${set.id}`;
  if (!set.id) throw new Error('change set needs an id');
  if (!isIsoDate(date)) throw new Error(`${where}: effectiveDate '${date}' is not a calendar date`);

  const byCode = groupByCode(versions);
  const closing = new Map<DivisionVersion, string>();
  for (const code of set.close) {
    const list = byCode.get(code);
    if (!list) throw new Error(`${where}: cannot close ${code}: no such division`);
    const open = list.find((v) => v.validTo === null);
    if (!open) {
      const last = list[list.length - 1];
      throw new Error(`${where}: cannot close ${code} (${last.name}) on ${date}: already closed on ${last.validTo}`);
    }
    if (closing.has(open)) throw new Error(`${where}: ${code} is listed twice in close`);
    if (open.validFrom >= date) {
      throw new Error(`${where}: cannot close ${code} (${open.name}) on ${date}: its current version only starts on ${open.validFrom}`);
    }
    closing.set(open, code);
  }

  const opened = new Set<string>();
  const added: DivisionVersion[] = [];
  for (const o of set.open) {
    if (opened.has(o.code)) throw new Error(`${where}: ${o.code} is listed twice in open`);
    opened.add(o.code);
    for (const v of byCode.get(o.code) ?? []) {
      const endsBy = closing.has(v) ? date : v.validTo;
      if (endsBy === null || endsBy > date) {
        throw new Error(`${where}: cannot open ${o.code} (${o.name}) on ${date}: ${describe(v)} is still valid then; close it in the same set`);
      }
    }
    added.push({ ...o, validFrom: date, validTo: null, changeSet: set.id });
  }

  const result = versions.map((v) => (closing.has(v) ? { ...v, validTo: date } : { ...v }));
  result.push(...added);

  const resultByCode = groupByCode(result);
  for (const o of added) {
    const expected = parentLevelOf(o.level);
    if (expected === null || o.parentCode === null) continue;
    const parent = resultByCode.get(o.parentCode)?.find((v) => isValidOn(v, date));
    if (!parent) {
      const closedOn = byCode.get(o.parentCode)?.find((v) => closing.has(v));
      const why = closedOn ? `it closes on ${date} in this set` : byCode.has(o.parentCode) ? `it is not valid then` : 'no such division';
      throw new Error(`${where}: cannot open ${o.code} (${o.name}) under ${o.parentCode} on ${date}: ${why}`);
    }
    if (parent.level !== expected) {
      throw new Error(`${where}: cannot open ${o.level} ${o.code} (${o.name}) under ${parent.level} ${parent.code} (${parent.name}); expected a ${expected}`);
    }
  }

  // Closing a parent without moving its children is the easiest mistake to make in a set, so name the orphans.
  const orphans = result.filter((v) => v.parentCode !== null && isValidOn(v, date)
    && !resultByCode.get(v.parentCode)?.some((p) => isValidOn(p, date)));
  if (orphans.length > 0) {
    const shown = orphans.slice(0, 5).map((v) => `${v.code} ${v.name}`).join(', ');
    throw new Error(`${where}: ${orphans.length} division(s) would have no valid parent on ${date}, e.g. ${shown}`);
  }

  assertIntegrity(result, where);
  return result;
}
