/**
 * The NAB series shipped in bench/nab/data: one text file per series with a short header and the
 * values in file order, `[` and `]` around each labelled anomaly window (see data/README.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface LabelledSeries {
  /** NAB's relative path, e.g. `realTraffic/speed_7578.csv`. */
  name: string;
  category: string;
  values: number[];
  /** Inclusive [first, last] row indices of each anomaly window. */
  windows: Array<[number, number]>;
}

export const DATA_DIR = join(import.meta.dirname, 'data');

export function parseSeries(name: string, text: string): LabelledSeries {
  let scale = 1;
  const values: number[] = [];
  const windows: Array<[number, number]> = [];
  let open: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      const m = /^# scale: (\S+)/.exec(line);
      if (m) scale = Number(m[1]);
      continue;
    }
    for (const token of line.split(/\s+/)) {
      if (token === '') continue;
      if (token === '[') {
        if (open !== null) throw new Error(`${name}: nested window at row ${values.length}`);
        open = values.length;
      } else if (token === ']') {
        if (open === null || values.length === open) throw new Error(`${name}: window closed without values at row ${values.length}`);
        windows.push([open, values.length - 1]);
        open = null;
      } else {
        // `v*n` is n copies of v (long flat runs in the artificial series).
        const [text, times = '1'] = token.split('*');
        const v = Number(text);
        const n = Number(times);
        if (!Number.isFinite(v) || !Number.isInteger(n) || n < 1) throw new Error(`${name}: bad value ${JSON.stringify(token)} at row ${values.length}`);
        for (let k = 0; k < n; k++) values.push(v * scale);
      }
    }
  }
  if (open !== null) throw new Error(`${name}: window left open`);
  return { name, category: name.split('/')[0], values, windows };
}

export function loadCorpus(dir = DATA_DIR): LabelledSeries[] {
  const out: LabelledSeries[] = [];
  for (const category of readdirSync(dir, { withFileTypes: true })) {
    if (!category.isDirectory()) continue;
    for (const file of readdirSync(join(dir, category.name)).filter((f) => f.endsWith('.txt')).sort()) {
      const path = join(dir, category.name, file);
      out.push(parseSeries(relative(dir, path).replace(/\.txt$/, '.csv'), readFileSync(path, 'utf8')));
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
