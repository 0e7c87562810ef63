import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from 'playwright-core';
import { seedDemoSensors } from '../../src/sensing/registry-seed.ts';
import { sensing, startSensing } from '../../src/sensing/index.ts';
import { startLifeline } from '../../src/sensing/alarms/runtime.ts';
import { snapshotVitalSigns } from '../../src/sensing/vital-signs.ts';
import { pointIn } from '../support/geo.ts';
import { near, pixelAt, signIn, useE2e } from './browser.ts';

const e2e = await useE2e();
const { app } = e2e;
const SECRET = 'e2e-device-secret-0123456789';
const RED = '#d7261e';
let stop: (() => Promise<void>) | undefined;
// Runs before the app closes (after-hooks run in reverse order).
afterAll(() => stop?.());

let gas: { id: string; name: string };

/** Readings through the ingest API with the device's own credentials, as the device would send them. */
async function ingest(code: string, readings: { ts: number; value: number }[]) {
  const res = await app.server.inject({ method: 'POST', url: '/api/v1/ingest/readings', headers: { authorization: `Device ${code}:${SECRET}` }, payload: readings });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().accepted).toBe(readings.length);
}

beforeAll(async () => {
  // The demo's lifeline sensors with two hours of readings, and the serving process's workers.
  const now = app.ctx.clock();
  await seedDemoSensors(app.ctx.db, app.ctx.city, now, app.ctx.today());
  await sensing(app.ctx).registry.refresh();
  const workers = await startSensing(app.ctx);
  const lifeline = await startLifeline(app.ctx);
  stop = async () => {
    await lifeline.stop();
    await workers.stop();
  };
  // A snapshot ten minutes ago, before anything went wrong, for the trend.
  app.setNow(new Date(now.getTime() - 10 * 60_000).toISOString());
  await snapshotVitalSigns(app.ctx);
  app.setNow(now.toISOString());

  // Two sensors in 解放碑: gas goes red (above 25 %LEL for 30 s), a manhole cover tilts to yellow.
  const admin = await app.as('yuzhong.admin');
  const spot = await pointIn(app, '500103003', admin, 7);
  const sensors: Record<string, { id: string; name: string }> = {};
  for (const [code, type, name, dx] of [['E2E-GAS-1', 'gas_lel', '解放碑燃气监测点', 0], ['E2E-MHL-1', 'manhole_tilt', '解放碑窨井盖', 0.004]] as const) {
    const res = await app.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: admin, payload: { code, type, name, lon: spot[0] + dx, lat: spot[1], secret: SECRET } });
    expect(res.statusCode, res.body).toBe(201);
    sensors[code] = res.json().sensor;
  }
  gas = sensors['E2E-GAS-1'];
  const t = now.getTime();
  await ingest('E2E-GAS-1', [{ ts: t - 60_000, value: 3 }, { ts: t - 40_000, value: 30 }, { ts: t - 5_000, value: 32.5 }]);
  await ingest('E2E-MHL-1', [{ ts: t - 5_000, value: 8 }]);
  await lifeline.engine.idle();
  await snapshotVitalSigns(app.ctx);
});

describe('sensing in the console', () => {
  it('shows the raised alarm on the map in its colour, with a card of its facts, grids around it and the sensor chart with thresholds', async () => {
    // The red alarm has opened a case.
    let caseId = '';
    const op = await app.as('city.operator');
    await expect.poll(async () => {
      const [red] = (await app.server.inject({ url: `/api/v1/alarms?state=active&sensor=${gas.id}`, headers: op })).json().items;
      caseId = red?.caseId;
      return red && `${red.level}:${Boolean(red.caseId)}`;
    }, { timeout: 20_000 }).toBe('red:true');

    const { page, errors } = await e2e.page();
    await signIn(page, '/map', 'city.operator');
    await page.waitForURL('**/map**');
    // The alarm layer's legend counts the alarms by colour; the list beside the map names them.
    await expect.poll(() => page.locator('.layers li[data-level="red"]').textContent(), { timeout: 30_000 }).toContain('红色 1');
    await expect.poll(() => page.locator('.layers li[data-level="yellow"]').textContent()).toContain('黄色 1');
    const item = page.getByTestId('map-alarms').getByRole('button', { name: /红色 · 可燃气体浓度 · 超阈值/ });
    await item.focus();
    await page.keyboard.press('Enter');
    const card = page.getByTestId('map-card');
    await expect.poll(() => card.textContent()).toContain('红色告警 · 可燃气体浓度');
    // The sensor's name comes with the sensor layer, or is asked for when the card opens.
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toContain(gas.name);
    const text = await card.textContent();
    for (const fact of ['超阈值', '32.5 %LEL', gas.name, '未解除', '未确认', '查看联动案件', '查看监测曲线']) expect(text).toContain(fact);
    expect(await card.getByRole('link', { name: '查看联动案件' }).getAttribute('href')).toBe(`/work/${caseId}`);

    // The map is centred on the alarm: the pixel there is the alarm's red.
    const box = (await page.locator('.maplibregl-canvas').boundingBox())!;
    await expect.poll(async () => near(await pixelAt(page, box.x + box.width / 2, box.y + box.height / 2), RED), { timeout: 15_000 }).toBe(true);
    // At street zoom the unit grids around it are drawn.
    await expect.poll(() => page.getByTestId('grids-state').textContent(), { timeout: 15_000 }).toMatch(/显示 \d+ 个网格/);
    await page.locator('[data-layer="sensors"]').check();
    await expect.poll(async () => Number(/在线 (\d+)/.exec((await page.locator('.layers').textContent()) ?? '')?.[1] ?? 0)).toBeGreaterThan(1000);
    await e2e.shot(page, 'onemap-alarm');

    // The card leads to the sensor's chart on the vital-signs page.
    await card.getByRole('link', { name: '查看监测曲线' }).click();
    await page.waitForURL(`**/vital?sensor=${gas.id}`);
    const tiles = page.getByTestId('vital-tiles');
    await expect.poll(() => tiles.locator('[data-tile="red"]').textContent(), { timeout: 20_000 }).toContain('1');
    expect(await tiles.locator('[data-tile="yellow"]').textContent()).toContain('1');
    expect(await tiles.locator('[data-tile="composite"]').textContent()).toMatch(/综合体征指数\s*\d+\.\d/);
    expect(Number(/(\d+)\s*\/\s*\d+/.exec((await tiles.locator('[data-tile="online"]').textContent()) ?? '')?.[1])).toBeGreaterThan(1000);
    await expect.poll(() => tiles.locator('canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('sensor-thresholds').textContent(), { timeout: 20_000 }).toMatch(/可燃气体浓度.*蓝色 ≥ 5.*黄色 ≥ 10.*橙色 ≥ 20.*红色 ≥ 25/);
    await expect.poll(() => page.getByTestId('sensor-panel').locator('canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('alarm-list').locator('li[data-level="red"]').textContent()).toContain('可燃气体浓度 · 超阈值');
    await page.waitForTimeout(300);
    await e2e.shot(page, 'vital-sensor', { fullPage: true });
    expect(errors).toEqual([]);
  });

  it('says so where a call fails, offers a retry, and recovers', async () => {
    const { page } = await e2e.page();
    const failing = (route: Route) => route.fulfill({
      status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'CY_UNAVAILABLE', detail: 'down' }),
    });
    await page.route('**/api/v1/alarms?*', failing);
    await page.route('**/api/v1/cases/map-clusters?*', failing);
    await signIn(page, '/vital', 'city.operator');
    const panel = page.getByRole('region', { name: '告警列表' });
    await expect.poll(() => panel.getByRole('alert').textContent(), { timeout: 20_000 }).toContain('服务器暂时无法处理');
    await page.unroute('**/api/v1/alarms?*', failing);
    await panel.getByRole('button', { name: '重试' }).click();
    await expect.poll(() => panel.locator('li[data-level="red"]').count()).toBe(1);

    await page.getByRole('link', { name: '一图掌控' }).click();
    const numbers = page.getByTestId('area-numbers');
    await expect.poll(() => numbers.getByRole('alert').textContent(), { timeout: 20_000 }).toContain('服务器暂时无法处理');
    await page.unroute('**/api/v1/cases/map-clusters?*', failing);
    await numbers.getByRole('button', { name: '重试' }).click();
    await expect.poll(() => numbers.textContent()).toMatch(/\d+ 个案件点位/);
  });
});
