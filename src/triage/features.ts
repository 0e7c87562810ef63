/**
 * Text → hashed character n-gram features (1–3 characters), pure and allocation-light so a
 * classification costs microseconds.
 *
 * - Text is NFKC-normalised and lower-cased; digits all become '0' (house numbers say nothing
 *   about the problem); punctuation, spaces and emoji end a run, and n-grams never cross runs.
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
  /** Start (in `chars`) and length of each n-gram, to show which ones drove a prediction. */
  starts: Int32Array;
  lengths: Uint8Array;
  count: number;
  /** The same value for every occurrence: 1/√count. */
  value: number;
  /** Normalised characters (code points) the n-grams index into. */
  chars: string[];
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

/** Normalised code points, with non-word characters as -1 (run breaks), at most MAX_CHARS long. */
export function normalise(text: string): { cps: Int32Array; chars: string[]; cjk: number } {
  const folded = text.normalize('NFKC').toLowerCase();
  const cps = new Int32Array(Math.min(folded.length, MAX_CHARS));
  const chars: string[] = [];
  let n = 0;
  let cjk = 0;
  for (const ch of folded) {
    if (n >= MAX_CHARS) break;
    let cp = ch.codePointAt(0)!;
    if (cp >= 0x30 && cp <= 0x39) cp = 0x30;
    if (isWordChar(cp)) {
      if (isCjk(cp)) cjk++;
      cps[n] = cp;
      chars.push(String.fromCodePoint(cp));
    } else {
      // Consecutive breaks collapse to one.
      if (n > 0 && cps[n - 1] === -1) continue;
      cps[n] = -1;
      chars.push(' ');
    }
    n++;
  }
  return { cps: cps.subarray(0, n), chars, cjk };
}

/**
 * The features of a text, plus an optional context token (the intake channel), hashed into
 * `buckets` buckets (a power of two).
 */
export function extract(text: string, bucketCount: number, context?: string): Features {
  const { cps, chars, cjk } = normalise(text);
  const max = cps.length * 3 + 1;
  const buckets = new Int32Array(max);
  const known = new Int32Array(max);
  const starts = new Int32Array(max);
  const lengths = new Uint8Array(max);
  const mask = bucketCount - 1;
  let count = 0;
  for (let i = 0; i < cps.length; i++) {
    if (cps[i] === -1) continue;
    let h = 0x811c9dc5;
    for (let n = 1; n <= 3; n++) {
      const at = i - n + 1;
      if (at < 0 || cps[at] === -1) break;
      // Hash the n-gram ending at i, growing backwards; the length is mixed in so '路' and '路路' differ.
      h = Math.imul(h ^ cps[at], 0x01000193);
      const full = fmix(h ^ Math.imul(n, 0x9e3779b1));
      buckets[count] = full & mask;
      known[count] = fmix(full ^ 0x5bd1e995) & (KNOWN_BITS - 1);
      starts[count] = at;
      lengths[count] = n;
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
  return { buckets, known, starts, lengths, count, value: count > 0 ? 1 / Math.sqrt(count) : 0, chars, cjk };
}

/** The text of feature `i` (the n-gram, or the context token). */
export function ngramOf(f: Features, i: number, context?: string): string {
  return f.starts[i] < 0 ? `[${context ?? 'context'}]` : f.chars.slice(f.starts[i], f.starts[i] + f.lengths[i]).join('');
}
