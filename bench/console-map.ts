/**
 * The web console in a real browser: bundle sizes, first load on localhost, and the one map's
 * frame rate while panning and zooming over 100,000 case points.
 *
 *   node_modules/.bin/node bench/console-map.ts
 *
 * Serves the built console (web/dist) with the server's own static plugin and answers the API
 * from fixtures (a synthetic district, 100,000 points), so the figures are the client's:
 * Chromium headless on the CPU (SwiftShader WebGL), which is slower than a desktop GPU.
 * References: 2 s first useful paint, 1 MB gzip main bundle, 60 frames per second.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { chromium } from 'playwright-core';
import { installErrorHandling } from '../src/http/error-handler.ts';
import { consoleFiles, WEB_DIST } from '../src/http/static.ts';
import { buildWeb, webBuildIsStale } from '../scripts/build-web.ts';
import { mulberry32 } from '../src/random.ts';
import { writeResult } from './_support.ts';

const POINTS = Number(process.env.CHENGYUN_BENCH_POINTS ?? 100_000);
const SECONDS = Number(process.env.CHENGYUN_BENCH_SECONDS ?? 6);

if (webBuildIsStale()) buildWeb();

// Bundle sizes: what the login page loads, and what the one map adds.
const assets = readdirSync(join(WEB_DIST, 'assets'));
const gz = (name: string) => gzipSync(readFileSync(join(WEB_DIST, 'assets', name))).length;
const entry = /src="\/assets\/([^"]+\.js)"/.exec(readFileSync(join(WEB_DIST, 'index.html'), 'utf8'))![1];
const mapChunks = assets.filter((a) => /^(maplibre-gl|OneMapPage|basemap|layers)-.*\.(js|css)$/.test(a));
const entryGzip = gz(entry);
const mapGzip = entryGzip + mapChunks.reduce((s, a) => s + gz(a), 0);

// Fixtures: a square district with 16 streets, points spread over it.
const box = [106.45, 29.45, 106.65, 29.65];
const square = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
const streets = Array.from({ length: 16 }, (_, i) => {
  const [cx, cy] = [i % 4, Math.floor(i / 4)];
  const w = (box[2] - box[0]) / 4;
  return { type: 'Feature', id: `5001039${String(i).padStart(2, '0')}`, properties: { code: `5001039${String(i).padStart(2, '0')}`, name: `街道${i + 1}` }, geometry: square(box[0] + cx * w, box[1] + cy * w, box[0] + (cx + 1) * w, box[1] + (cy + 1) * w) };
});
const random = mulberry32(42);
const coords: number[] = [];
for (let i = 0; i < POINTS; i++) {
  // Denser towards the centre, as cases are.
  const r = Math.sqrt(random()) * 0.1 * random();
  const a = random() * Math.PI * 2;
  coords.push(Math.round((106.55 + r * Math.cos(a) * 1.5) * 1e5) / 1e5, Math.round((29.55 + r * Math.sin(a)) * 1e5) / 1e5);
}
const fixtures: Record<string, unknown> = {
  '/api/v1/divisions': { date: '2026-11-20', items: [{ code: '500103', name: '渝中区', level: 'district', parentCode: '500000', access: 'within' }] },
  '/api/v1/divisions/500103': { code: '500103', name: '渝中区', level: 'district', parentCode: '500000', access: 'within', path: [{ code: '500000', name: '重庆市', level: 'city' }] },
  '/api/v1/divisions/500103/geometry?children=false': { type: 'Feature', id: '500103', properties: { code: '500103', name: '渝中区' }, geometry: square(box[0], box[1], box[2], box[3]) },
  '/api/v1/divisions/500103/geometry?children=true': { type: 'FeatureCollection', features: streets },
  '/api/v1/cases/stats?division=500103': {
    division: { code: '500103', name: '渝中区', level: 'district' }, totals: { total: POINTS, open: POINTS, overdue: 0, closed: 0, rated: 0, satisfaction: null },
    children: streets.map((s, i) => ({ code: s.id, name: s.properties.name, total: i * 100, open: i * 100, overdue: i, closed: 0, rated: 0, satisfaction: null })),
  },
  '/api/v1/cases/map-points?division=500103&open=true': {
    division: '500103', count: POINTS, truncated: false, statuses: [{ code: 'reported', name: '待受理' }],
    ids: Array.from({ length: POINTS }, (_, i) => `cas_${i}`), coords, status: new Array(POINTS).fill(0), overdue: Array.from({ length: POINTS }, (_, i) => (i % 17 === 0 ? 1 : 0)),
  },
};

const app = Fastify();
installErrorHandling(app, consoleFiles());
app.get('/api/*', async (request, reply) => {
  const body = fixtures[request.url];
  return body === undefined ? reply.status(404).type('application/problem+json').send({ title: 'Not Found', status: 404 }) : body;
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });

const browser = await chromium.launch({
  executablePath: process.env.CHENGYUN_CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: url });
  const page = await context.newPage();
  // First load of the sign-in page (cold cache).
  const t0 = Date.now();
  await page.goto('/login');
  await page.getByLabel('用户名').waitFor();
  const loginMs = Date.now() - t0;
  const fcp = await page.evaluate(() => performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? null);
  await page.evaluate(() => localStorage.setItem('chengyun.session', JSON.stringify({
    token: 'bench-token-0000', expiresAt: '2099-01-01T00:00:00Z', user: { id: 'u', username: 'bench', displayName: '压测', role: 'operator', unitId: 'C-500103', phone: null, disabled: false }, unit: null,
  })));
  // The one map with 100,000 points: time to labels and clusters, then frames while moving.
  const t1 = Date.now();
  await page.goto('/map?division=500103');
  await page.getByText(`${POINTS.toLocaleString('zh-CN')} 个案件点位`).waitFor({ timeout: 120_000 });
  await page.locator('.cluster-count').first().waitFor({ timeout: 120_000 });
  const mapReadyMs = Date.now() - t1;
  const canvas = (await page.locator('.maplibregl-canvas').boundingBox())!;
  const cx = canvas.x + canvas.width / 2;
  const cy = canvas.y + canvas.height / 2;
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number; counting: boolean };
    w.frames_ = 0;
    w.counting = true;
    const tick = () => {
      if (!w.counting) return;
      w.frames_++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const started = Date.now();
  let step = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const dx = Math.sin(step / 5) * 200;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + dx, cy + dx / 2, { steps: 8 });
    await page.mouse.up();
    await page.mouse.wheel(0, step % 2 ? 240 : -240);
    step++;
  }
  const elapsed = (Date.now() - started) / 1000;
  const frames = await page.evaluate(() => {
    const w = window as unknown as { frames_: number; counting: boolean };
    w.counting = false;
    return w.frames_;
  });
  const fps = frames / elapsed;
  const result = {
    points: POINTS, entryGzipKB: Math.round(entryGzip / 1024), mapPageGzipKB: Math.round(mapGzip / 1024),
    loginFirstContentfulPaintMs: fcp === null ? null : Math.round(fcp), loginReadyMs: loginMs, mapReadyMs, fps: Math.round(fps * 10) / 10,
  };
  process.stdout.write([
    '| measure | value | reference | ratio |', '|---|---|---|---|',
    `| main bundle (gzip) | ${result.entryGzipKB} KB | 1 MB | ${(entryGzip / 1048576).toFixed(2)} |`,
    `| one map page incl. MapLibre (gzip) | ${result.mapPageGzipKB} KB | 1 MB | ${(mapGzip / 1048576).toFixed(2)} |`,
    `| sign-in page first contentful paint | ${result.loginFirstContentfulPaintMs} ms | 2,000 ms | ${((fcp ?? 0) / 2000).toFixed(2)} |`,
    `| one map ready with ${POINTS.toLocaleString('en')} points | ${mapReadyMs} ms | 2,000 ms | ${(mapReadyMs / 2000).toFixed(2)} |`,
    `| frames per second while panning and zooming | ${result.fps} | 60 | ${(fps / 60).toFixed(2)} |`,
    '',
  ].join('\n'));
  writeResult('console-map', result);
} finally {
  await browser.close();
  await app.close();
}
