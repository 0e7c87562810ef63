/**
 * Text → hashed character n-gram features (1–3 characters), pure and allocation-light so a
 * classification costs microseconds.
 *
 * - Text is NFKC-normalised and lower-cased (skipped for the characters it cannot change);
 *   digits all become '0' (house numbers say nothing about the problem); punctuation, spaces
 *   and emoji end a run, and n-grams never cross runs.
 * - Classification extracts into reusable buffers (`Scratch`); training keeps its own copies.
 * - Only the first MAX_CHARS characters count: reports state their problem up front, and a
 *   pasted 10,000-character text must cost no more than a long report.
 * - Each n-gram is hashed twice: into a bucket of the weight matrix, and into a wide bit set
 *   that remembers which n-grams training saw (so "nothing known in this text" can be told
 *   apart from "the buckets it hit had weights").
 * - Values are 1/√n so long and short texts give logits on one scale.
 */

export const MAX_CHARS = 2000;
export const KNOWN_BITS = 1 << 20;

export interface Features {
  /** Weight-matrix bucket of each n-gram occurrence. */
  buckets: Int32Array;
  /** Known-set slot of each n-gram occurrence. */
  known: Int32Array;
  /** Start (in `cps`) and length of each n-gram, to show which ones drove a prediction. */
  starts: Int32Array;
  lengths: Uint8Array;
  count: number;
  /** The same value for every occurrence: 1/√count. */
  value: number;
  /** Normalised code points the n-grams index into (-1 = a run break). */
  cps: Int32Array;
  /** CJK characters in the text (texts without Chinese are outside what the model knows). */
  cjk: number;
}

const isCjk = (cp: number) => (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0xf900 && cp <= 0xfaff);
const isWordChar = (cp: number) => isCjk(cp) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39);

/** Murmur3's finaliser: spreads FNV's low bits over the whole word. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// Punctuation NFKC maps to other punctuation (or leaves alone): a run break either way.
const PLAIN_PUNCTUATION = new Set([0x3000, 0x3001, 0x3002, 0x3010, 0x3011, 0xff01, 0xff08, 0xff09, 0xff0c, 0xff1a, 0xff1b, 0xff1f, 0xff5e, 0x201c, 0x201d, 0x2026, 0x203c, 0xfe0f]);

/**
 * Whether NFKC and lower-casing can be skipped: every character is ASCII, a CJK unified
 * ideograph (no compatibility mappings), punctuation in PLAIN_PUNCTUATION, or an emoji from
 * U+1F400–U+1F7FF or U+1F900–U+1FAFF (none has a mapping to a word character). Most reports
 * are, and normalising costs more than the rest of feature extraction.
 */
function plain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u < 0x80 || (u >= 0x4e00 && u <= 0x9fff) || PLAIN_PUNCTUATION.has(u)) continue;
    const low = text.charCodeAt(i + 1);
    if ((u === 0xd83d && low >= 0xdc00 && low <= 0xdfff) || (u === 0xd83e && low >= 0xdd00 && low <= 0xdeff)) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

/** Reusable buffers for one extraction at a time (classification is synchronous). */
export interface Scratch { cps: Int32Array; buckets: Int32Array; known: Int32Array; starts: Int32Array; lengths: Uint8Array }

export function newScratch(): Scratch {
  const max = MAX_CHARS * 3 + 1;
  return { cps: new Int32Array(MAX_CHARS), buckets: new Int32Array(max), known: new Int32Array(max), starts: new Int32Array(max), lengths: new Uint8Array(max) };
}

/** Normalised code points into `into` (non-word characters as -1, run breaks), at most MAX_CHARS; returns the count and CJK characters. */
function normaliseInto(text: string, into: Int32Array): { n: number; cjk: number } {
  const fast = plain(text);
  const folded = fast ? text : text.normalize('NFKC').toLowerCase();
  let n = 0;
  let cjk = 0;
  for (let i = 0; i < folded.length && n < MAX_CHARS; i++) {
    let cp = folded.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < folded.length) {
      const low = folded.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        i++;
      }
    }
    if (fast && cp >= 0x41 && cp <= 0x5a) cp += 0x20;
    if (cp >= 0x30 && cp <= 0x39) cp = 0x30;
    if (isWordChar(cp)) {
      if (isCjk(cp)) cjk++;
      into[n++] = cp;
    } else if (n === 0 || into[n - 1] !== -1) {
      // Consecutive breaks collapse to one.
      into[n++] = -1;
    }
  }
  return { n, cjk };
}

/** Normalised code points, with non-word characters as -1 (run breaks), at most MAX_CHARS long. */
export function normalise(text: string): { cps: Int32Array; cjk: number } {
  const { n, cjk } = normaliseInto(text, shared);
  return { cps: shared.slice(0, n), cjk };
}

// Room for one normalised text, copied out at its real length (NFKC can lengthen a text).
const shared = new Int32Array(MAX_CHARS);

/**
 * The features of a text, plus an optional context token (the intake channel), hashed into
 * `buckets` buckets (a power of two). With `scratch`, the result lives in its buffers until the
 * next extraction with it.
 */
export function extract(text: string, bucketCount: number, context?: string, scratch?: Scratch): Features {
  const into = scratch?.cps ?? shared;
  const { n, cjk } = normaliseInto(text, into);
  const cps = scratch ? into.subarray(0, n) : into.slice(0, n);
  const max = n * 3 + 1;
  const buckets = scratch?.buckets ?? new Int32Array(max);
  const known = scratch?.known ?? new Int32Array(max);
  const starts = scratch?.starts ?? new Int32Array(max);
  const lengths = scratch?.lengths ?? new Uint8Array(max);
  const mask = bucketCount - 1;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (cps[i] === -1) continue;
    let h = 0x811c9dc5;
    for (let g = 1; g <= 3; g++) {
      const at = i - g + 1;
      if (at < 0 || cps[at] === -1) break;
      // Hash the n-gram ending at i, growing backwards; the length is mixed in so '路' and '路路' differ.
      h = Math.imul(h ^ cps[at], 0x01000193);
      const full = fmix(h ^ Math.imul(g, 0x9e3779b1));
      buckets[count] = full & mask;
      known[count] = fmix(full ^ 0x5bd1e995) & (KNOWN_BITS - 1);
      starts[count] = at;
      lengths[count] = g;
      count++;
    }
  }
  if (context) {
    let h = 0x811c9dc5;
    for (let i = 0; i < context.length; i++) h = Math.imul(h ^ context.charCodeAt(i), 0x01000193);
    const full = fmix(h ^ 0x27d4eb2f);
    buckets[count] = full & mask;
    known[count] = fmix(full ^ 0x5bd1e995) & (KNOWN_BITS - 1);
    starts[count] = -1;
    lengths[count] = 0;
    count++;
  }
  return { buckets, known, starts, lengths, count, value: count > 0 ? 1 / Math.sqrt(count) : 0, cps, cjk };
}

/** The text of feature `i` (the n-gram, or the context token). */
export function ngramOf(f: Features, i: number, context?: string): string {
  return f.starts[i] < 0 ? `[${context ?? 'context'}]` : String.fromCodePoint(...f.cps.subarray(f.starts[i], f.starts[i] + f.lengths[i]));
}
