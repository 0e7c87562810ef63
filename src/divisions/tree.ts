/**
 * The division tree (行政区划树) as of any date, built once from the version list and
 * queried on every request: lookups by code are a map hit plus a scan over a code's
 * few versions, and per-date indexes (children, counts, the valid set) are built for
 * each date range between two adjustments the first time that range is asked for.
 */
import type { DivisionLevel, DivisionVersion } from './model.ts';
import { DIVISION_LEVELS } from './model.ts';
import { assertIntegrity, isIsoDate } from './change-sets.ts';

/** Everything valid during one range of dates between consecutive adjustments. */
interface Epoch {
  valid: readonly DivisionVersion[];
  children: Map<string, readonly DivisionVersion[]>;
  counts: Readonly<Record<DivisionLevel, number>>;
}

const LEVEL_RANK: Readonly<Record<DivisionLevel, number>> = { city: 0, district: 1, street: 2, community: 3 };

function compareCodes(a: DivisionVersion, b: DivisionVersion): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

function checkDate(date: string): void {
  // Dates compare as strings, so a malformed one would silently give wrong answers.
  if (!isIsoDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): '${date}'`);
}

export class DivisionTree {
  readonly #byCode = new Map<string, readonly DivisionVersion[]>();
  /** Sorted distinct validFrom/validTo dates; epoch i covers [boundaries[i-1], boundaries[i]). */
  readonly #boundaries: readonly string[];
  readonly #epochs: (Epoch | undefined)[];
  readonly #all: readonly DivisionVersion[];

  /** Throws when the versions are inconsistent (see findIntegrityProblems), so queries never meet a dangling parent. */
  constructor(versions: readonly DivisionVersion[]) {
    assertIntegrity(versions, 'division tree');
    const all = versions.map((v) => Object.freeze({ ...v }));
    const byCode = new Map<string, DivisionVersion[]>();
    const dates = new Set<string>();
    for (const v of all) {
      const list = byCode.get(v.code);
      if (list) list.push(v);
      else byCode.set(v.code, [v]);
      dates.add(v.validFrom);
      if (v.validTo !== null) dates.add(v.validTo);
    }
    for (const [code, list] of byCode) {
      list.sort((a, b) => (a.validFrom < b.validFrom ? -1 : 1));
      this.#byCode.set(code, Object.freeze(list));
    }
    this.#all = all;
    this.#boundaries = [...dates].sort();
    this.#epochs = new Array<Epoch | undefined>(this.#boundaries.length + 1);
  }

  /** The version of a division valid on a date. */
  at(code: string, date: string): DivisionVersion | undefined {
    checkDate(date);
    return this.#at(code, date);
  }

  /** Direct children valid on a date, sorted by code. */
  children(code: string, date: string): DivisionVersion[] {
    checkDate(date);
    return [...(this.#epoch(date).children.get(code) ?? [])];
  }

  /** The division and its ancestors valid on a date, self first, ending at the city; empty when the code is not valid then. */
  ancestors(code: string, date: string): DivisionVersion[] {
    checkDate(date);
    const chain: DivisionVersion[] = [];
    let current = this.#at(code, date);
    while (current) {
      chain.push(current);
      // The integrity check guarantees a parent valid on every day of its child.
      current = current.parentCode === null ? undefined : this.#at(current.parentCode, date);
    }
    return chain;
  }

  /** Whether `code` is `ancestorCode` or lies below it on a date (a division counts as within itself). */
  isWithin(code: string, ancestorCode: string, date: string): boolean {
    checkDate(date);
    let current = this.#at(code, date);
    while (current) {
      if (current.code === ancestorCode) return true;
      current = current.parentCode === null ? undefined : this.#at(current.parentCode, date);
    }
    return false;
  }

  /** How many divisions of each level are valid on a date. */
  countByLevel(date: string): Record<DivisionLevel, number> {
    checkDate(date);
    return { ...this.#epoch(date).counts };
  }

  /**
   * Divisions valid on a date whose name contains the query or whose code starts with
   * it. Best matches first: exact code, code prefix, exact name, name prefix, then
   * substring; ties go to the higher level, the shorter name, then the code.
   */
  search(query: string, date: string, limit = 20): DivisionVersion[] {
    checkDate(date);
    const q = query.trim();
    if (q === '' || limit <= 0) return [];
    const numeric = /^\d+$/.test(q);
    const hits: { v: DivisionVersion; score: number }[] = [];
    for (const v of this.#epoch(date).valid) {
      let score = -1;
      if (numeric && v.code.startsWith(q)) score = v.code === q ? 0 : 1;
      else if (v.name === q) score = 2;
      else if (v.name.startsWith(q)) score = 3;
      else if (v.name.includes(q)) score = 4;
      if (score >= 0) hits.push({ v, score });
    }
    hits.sort((a, b) => a.score - b.score
      || LEVEL_RANK[a.v.level] - LEVEL_RANK[b.v.level]
      || a.v.name.length - b.v.name.length
      || compareCodes(a.v, b.v));
    return hits.slice(0, limit).map((h) => h.v);
  }

  /** Every version of a division, oldest first; empty for an unknown code. */
  versionsOf(code: string): DivisionVersion[] {
    return [...(this.#byCode.get(code) ?? [])];
  }

  #at(code: string, date: string): DivisionVersion | undefined {
    const list = this.#byCode.get(code);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i];
      if (v.validFrom <= date) return v.validTo === null || date < v.validTo ? v : undefined;
    }
    return undefined;
  }

  #epoch(date: string): Epoch {
    // Number of boundaries <= date: the index of the range holding the date.
    let lo = 0;
    let hi = this.#boundaries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#boundaries[mid] <= date) lo = mid + 1;
      else hi = mid;
    }
    const cached = this.#epochs[lo];
    if (cached) return cached;
    const epoch = this.#buildEpoch(lo);
    this.#epochs[lo] = epoch;
    return epoch;
  }

  #buildEpoch(index: number): Epoch {
    const counts = Object.fromEntries(DIVISION_LEVELS.map((l) => [l, 0])) as Record<DivisionLevel, number>;
    const valid: DivisionVersion[] = [];
    const children = new Map<string, DivisionVersion[]>();
    if (index > 0) {
      // Every day of an epoch sees the same versions, so its first day stands for all of them.
      const day = this.#boundaries[index - 1];
      for (const v of this.#all) {
        if (v.validFrom > day || (v.validTo !== null && v.validTo <= day)) continue;
        valid.push(v);
        counts[v.level]++;
        if (v.parentCode === null) continue;
        const siblings = children.get(v.parentCode);
        if (siblings) siblings.push(v);
        else children.set(v.parentCode, [v]);
      }
    }
    for (const list of children.values()) list.sort(compareCodes);
    return { valid, children, counts: Object.freeze(counts) };
  }
}
