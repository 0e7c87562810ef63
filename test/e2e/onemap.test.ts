import { beforeAll, describe, expect, it } from 'vitest';
import { pointIn } from '../support/geo.ts';
import { signIn, useE2e } from './browser.ts';

const e2e = await useE2e();

beforeAll(async () => {
  // Cases in three 渝中区 streets and one 南岸区 one, so the layers have something to show.
  const citizen = await e2e.app.as('citizen');
  const admin = await e2e.app.as('city.operator');
  for (const [code, n] of [['500103003', 6], ['500103010', 4], ['500103001', 3], ['500108', 3]] as const) {
    for (let i = 0; i < n; i++) {
      const [lon, lat] = await pointIn(e2e.app, code, admin, i * 5);
      const res = await e2e.app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: citizen, payload: { categoryCode: 'E0102', description: `路边垃圾 ${i}`, location: { lon, lat } } });
      expect(res.statusCode, res.body).toBe(201);
    }
  }
});

describe('the one map (一图掌控)', () => {
  it('renders the city with district outlines, numbers and layers, then drills into 渝中区', async () => {
    const { page, errors } = await e2e.page();
    await signIn(page, '/map', 'city.operator');
    await page.waitForURL('**/map**');
    await expect.poll(() => page.locator('.map-label').count(), { timeout: 20_000 }).toBeGreaterThan(20);
    await expect.poll(() => page.getByTestId('area-numbers').textContent()).toContain('16 个案件点位');
    // Sensing may not be deployed: the layer says so instead of failing.
    await expect.poll(async () => (await page.getByTestId('alarms-empty').count()) + (await page.locator('.layers .legend').count())).toBeGreaterThan(0);
    await e2e.shot(page, 'onemap-city');

    // Keyboard: labels are buttons, so drilling works without a mouse.
    await page.locator('.map-label', { hasText: '渝中区' }).press('Enter');
    await page.waitForURL('**/map?division=500103');
    await expect.poll(() => page.getByTestId('breadcrumbs').textContent()).toContain('重庆市');
    await expect.poll(() => page.getByTestId('area-numbers').textContent()).toContain('13 个案件点位');
    await expect.poll(() => page.locator('.map-label', { hasText: '解放碑街道' }).textContent()).toContain('6');
    await expect.poll(() => page.locator('.cluster-count').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await e2e.shot(page, 'onemap-yuzhong');

    await page.locator('[data-layer="heat"]').check();
    await page.locator('[data-layer="cases"]').uncheck();
    await page.getByLabel('指标', { exact: true }).selectOption('overdue');
    await page.locator('[data-layer="sensors"]').check();
    await e2e.shot(page, 'onemap-yuzhong-heat');

    // The vital signs page with no sensors yet: the composite index and case tiles, no alarms, no snapshots.
    await page.getByRole('link', { name: '城市体征' }).click();
    await page.waitForURL('**/vital');
    await expect.poll(() => page.getByTestId('vital-tiles').locator('[data-tile="open"]').textContent(), { timeout: 10_000 }).toContain('16');
    await expect.poll(() => page.getByText('案件总数').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByText('当前没有未解除的告警').count()).toBe(1);
    await expect.poll(() => page.getByText('暂无体征快照').count()).toBe(1);
    await e2e.shot(page, 'vital-signs');
    expect(errors).toEqual([]);
  });
});
