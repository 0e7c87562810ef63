/**
 * The web console in a real browser: bundle sizes, first load on localhost, and the one map's
 * load time and frame rate while panning and zooming over 100,000 open cases.
 *
 *   node_modules/.bin/node bench/console-map.ts
 *
 * Everything is real: an embedded database (seeded city model, demo accounts, 100,000 open cases
 * in 渝中区, denser toward 解放碑), the API server in this process serving the built console,
 * sign-in through the form, and the map's clusters computed by the server per zoom and box
 * (GET /api/v1/cases/map-clusters). Chromium headless draws on the CPU (SwiftShader WebGL), far
 * slower than a desktop GPU; the frame rate with the case layer switched off is printed beside
 * as that ceiling. References: 2 s first useful paint, 1 MB gzip main bundle, 60 frames per second.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { chromium, type Page } from 'playwright-core';
import { makeContext } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { CityModel } from '../src/divisions/city-model.ts';
import { seedCityModel } from '../src/divisions/seed.ts';
import { buildServer } from '../src/http/server.ts';
import { WEB_DIST } from '../src/http/static.ts';
import { newId } from '../src/ids.ts';
import { DEMO_PASSWORD, seedDemoUsers, seedUnits } from '../src/org/seed.ts';
import { mulberry32 } from '../src/random.ts';
import { openDb, type Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { buildWeb, webBuildIsStale } from '../scripts/build-web.ts';
import { writeResult } from './_support.ts';

const POINTS = Number(process.env.CHENGYUN_BENCH_POINTS ?? 100_000);
const SECONDS = Number(process.env.CHENGYUN_BENCH_SECONDS ?? 6);
const YUZHONG = '500103';

if (webBuildIsStale()) buildWeb();

// Bundle sizes: what the login page loads, and what the one map adds.
const assets = readdirSync(join(WEB_DIST, 'assets'));
const gz = (name: string) => gzipSync(readFileSync(join(WEB_DIST, 'assets', name))).length;
const entry = /src="\/assets\/([^"]+\.js)"/.exec(readFileSync(join(WEB_DIST, 'index.html'), 'utf8'))![1];
const mapChunks = assets.filter((a) => /^(maplibre-gl|OneMapPage|basemap|layers|grids|cases)-.*\.(js|css)$/.test(a));
const entryGzip = gz(entry);
const mapGzip = entryGzip + mapChunks.reduce((s, a) => s + gz(a), 0);

/** Open cases in 渝中区, denser toward 解放碑 as cases are, each placed in its grid by the city model. */
async function loadCases(db: Db, city: CityModel, now: Date, date: string): Promise<void> {
  const random = mulberry32(42);
  const cols = { id: [] as string[], number: [] as string[], lon: [] as number[], lat: [] as number[], grid: [] as string[], street: [] as string[], due: [] as Date[] };
  while (cols.id.length < POINTS) {
    const r = Math.sqrt(random()) * 0.05 * random() + 0.002 * random();
    const a = random() * Math.PI * 2;
    const [lon, lat] = [Math.round((106.565 + r * Math.cos(a) * 1.6) * 1e6) / 1e6, Math.round((29.553 + r * Math.sin(a) * 0.5) * 1e6) / 1e6];
    const at = city.locate(lon, lat, date);
    if (at?.district.code !== YUZHONG) continue;
    const i = cols.id.length;
    cols.id.push(`case_bench_${String(i).padStart(6, '0')}`);
    cols.number.push(`20261120${YUZHONG}${String(i).padStart(5, '0')}`);
    cols.lon.push(lon);
    cols.lat.push(lat);
    cols.grid.push(at.grid.code);
    cols.street.push(at.street.code);
    // One in 17 past its deadline.
    cols.due.push(new Date(now.getTime() + (i % 17 === 0 ? -1 : 1) * 86_400_000));
  }
  for (let i = 0; i < POINTS; i += 10_000) {
    const part = (a: unknown[]) => a.slice(i, i + 10_000);
    await db.query(
      `insert into case_record (id, number, version, status, channel, appeal_type, urgency, title, description, lon, lat, grid_code, community_code,
         street_code, district_code, location_date, photos, owner_unit_id, tasks, rework_count, reopen_count, extension_minutes, due_at, created_at, updated_at)
       select id, number, 1, 'handling', 'patrol', 'report', 'normal', '路面破损', '压测案件', lon, lat, grid, left(grid, 12), street, $8, $9::date,
              '{}', 'C-${YUZHONG}', '[]'::jsonb, 0, 0, 0, due, $10, $10
         from unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::timestamptz[]) as t(id, number, lon, lat, grid, street, due)`,
      [part(cols.id), part(cols.number), part(cols.lon), part(cols.lat), part(cols.grid), part(cols.street), part(cols.due), YUZHONG, date, now],
    );
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'chengyun-console-bench-'));
const now = new Date();
const date = now.toISOString().slice(0, 10);
const seconds = performance.now();
const db = await openDb({ dataDir });
await migrate(db);
await seedCityModel(db, now);
const city = await CityModel.load(db);
await seedUnits(db, city, date, now);
await seedDemoUsers(db, now, newId);
await loadCases(db, city, now, date);
process.stderr.write(`database with ${POINTS.toLocaleString('en')} cases ready in ${((performance.now() - seconds) / 1000).toFixed(0)} s\n`);
const config = { ...loadConfig({}), dataDir, logLevel: 'silent' as const, rateLimits: { signInPerAddress: 0, signInPerAccount: 0, intakePerAddress: 0, intakePerReporter: 0 } };
const server = await buildServer(makeContext({ config, db, city, log: pino({ level: 'silent' }) }));
const url = await server.listen({ host: '127.0.0.1', port: 0 });

/** p50 and p95 of the cluster endpoint over views a user would open: the district, then closer in around 解放碑. */
async function clusterLatency(token: string): Promise<{ p50: number; p95: number; clusters: number }> {
  const times: number[] = [];
  let clusters = 0;
  for (let round = 0; round < 4; round++) {
    for (const [zoom, half] of [[12, 0.08], [13, 0.04], [14, 0.02], [15, 0.01], [16, 0.005]] as const) {
      const [x, y] = [106.565 + round * 0.002, 29.553];
      const t = performance.now();
      const res = await fetch(`${url}/api/v1/cases/map-clusters?division=${YUZHONG}&zoom=${zoom}&bbox=${x - half},${y - half / 2},${x + half},${y + half / 2}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.json() as { counts: number[] };
      times.push(performance.now() - t);
      clusters = Math.max(clusters, body.counts.length);
    }
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)], clusters };
}

/** Frames drawn per second while the mouse drags the map about and the wheel zooms in and out. */
async function framesWhileMoving(page: Page): Promise<number> {
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
  return frames / elapsed;
}

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
  // Signed in through the form, as a person would.
  await page.getByLabel('用户名').fill('city.operator');
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL('**/work**');
  const token = await page.evaluate(() => (JSON.parse(localStorage.getItem('chengyun.session') ?? '{}') as { token?: string }).token ?? '');
  const latency = await clusterLatency(token);
  // The one map of 渝中区 with its 100,000 cases: time until the count and the cluster badges show.
  const t1 = Date.now();
  await page.goto(`/map?division=${YUZHONG}`);
  await page.getByText(`${POINTS.toLocaleString('zh-CN')} 个案件点位`).waitFor({ timeout: 120_000 });
  await page.locator('.cluster-count').first().waitFor({ timeout: 120_000 });
  const mapReadyMs = Date.now() - t1;
  const fps = await framesWhileMoving(page);
  // The ceiling on this machine: the same moves with the case layer off.
  await page.locator('[data-layer="cases"]').uncheck();
  const emptyFps = await framesWhileMoving(page);
  const result = {
    points: POINTS, entryGzipKB: Math.round(entryGzip / 1024), mapPageGzipKB: Math.round(mapGzip / 1024),
    loginFirstContentfulPaintMs: fcp === null ? null : Math.round(fcp), loginReadyMs: loginMs, mapReadyMs, fps: Math.round(fps * 10) / 10,
    fpsCaseLayerOff: Math.round(emptyFps * 10) / 10, clustersP50Ms: Math.round(latency.p50), clustersP95Ms: Math.round(latency.p95), maxClusters: latency.clusters,
  };
  process.stdout.write([
    '| measure | value | reference | ratio |', '|---|---|---|---|',
    `| main bundle (gzip) | ${result.entryGzipKB} KB | 1 MB | ${(entryGzip / 1048576).toFixed(2)} |`,
    `| one map page incl. MapLibre (gzip) | ${result.mapPageGzipKB} KB | 1 MB | ${(mapGzip / 1048576).toFixed(2)} |`,
    `| sign-in page first contentful paint | ${result.loginFirstContentfulPaintMs} ms | 2,000 ms | ${((fcp ?? 0) / 2000).toFixed(2)} |`,
    `| one map ready with ${POINTS.toLocaleString('en')} cases | ${mapReadyMs} ms | 2,000 ms | ${(mapReadyMs / 2000).toFixed(2)} |`,
    `| map-clusters p50 / p95 (zoom 12–16, ≤ ${latency.clusters} clusters) | ${result.clustersP50Ms} / ${result.clustersP95Ms} ms | 2,000 ms | ${(latency.p95 / 2000).toFixed(2)} |`,
    `| frames per second while panning and zooming | ${result.fps} | 60 | ${(fps / 60).toFixed(2)} |`,
    `| the same with the case layer off (this machine's ceiling) | ${result.fpsCaseLayerOff} | 60 | ${(emptyFps / 60).toFixed(2)} |`,
    '',
  ].join('\n'));
  writeResult('console-map', result);
} finally {
  await browser.close();
  await server.close();
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
}
