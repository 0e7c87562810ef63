import { beforeAll, describe, expect, it } from 'vitest';
import { trainAndPromote } from '../../src/triage/service.ts';
import { signIn, useE2e } from './browser.ts';

// 一键报事 on a phone: photo, a tap on the map, words; then the resident watches the case move.
const e2e = await useE2e();
type Headers = Record<string, string>;

beforeAll(async () => {
  // A small model is enough for suggestions while typing.
  await trainAndPromote(e2e.app.ctx, { sample: 0.3, options: { epochs: 2, buckets: 1 << 12 }, by: 'test' });
});

async function act(headers: Headers, id: string, action: string, body: Record<string, unknown> = {}) {
  const res = await e2e.app.server.inject({ method: 'POST', url: `/api/v1/cases/${id}/${action}`, headers, payload: body });
  expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
}

describe('a resident reports a problem from a 375-px phone', () => {
  it('sends a photo, a map tap and a description, gets a code, sees progress and rates the result', async () => {
    const { page, errors } = await e2e.page({ width: 375, height: 812, mobile: true });
    await signIn(page, '/m/report', 'citizen');
    await page.waitForURL('**/m/report');
    // A real PNG for the photo: a corner of the page itself.
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 48, height: 48 } });
    await page.getByLabel('拍照或从相册选择').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: png });
    await expect.poll(() => page.locator('figure img').count()).toBe(1);
    const map = page.getByTestId('point-map');
    await map.scrollIntoViewIfNeeded();
    const box = (await map.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('picked').count()).toBe(1);
    await page.getByLabel('问题描述').fill('解放碑步行街的垃圾桶满了，垃圾堆在地上没人清运，味道很大');
    await expect.poll(() => page.locator('.chip').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.locator('.chip').first().click();
    await e2e.shot(page, 'report-filled-375');
    await page.getByTestId('submit-report').click();
    const code = (await page.getByTestId('case-code').textContent({ timeout: 15_000 }))!.trim();
    expect(code).toMatch(/^[0-9]{19}$/);
    await e2e.shot(page, 'report-done-375');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    await page.getByTestId('report-done').getByRole('link', { name: '查询进度' }).click();
    await page.waitForURL(`**/m/track/${code}`);
    await expect.poll(() => page.getByTestId('track-status').textContent()).toContain('已提交，等待受理');

    // Operators act; the resident's page follows without a reload.
    const c = (await e2e.app.server.inject({ url: `/api/v1/cases/by-number/${code}`, headers: await e2e.app.as('citizen') })).json();
    expect(c.photos).toHaveLength(1);
    expect(c.districtCode).toBe('500103');
    const [district, cg, grid] = await Promise.all(['yuzhong.operator', 'yuzhong.cg', 'jiefangbei.grid'].map((u) => e2e.app.as(u)));
    // The district center checks what it owns; a street-owned case is checked by the street's grid worker.
    const checker = c.ownerUnitId === 'C-500103' ? district : grid;
    await act(district, c.id, 'accept');
    await expect.poll(() => page.getByTestId('track-status').textContent(), { timeout: 10_000 }).toContain('已受理');
    await expect.poll(() => page.getByTestId('timeline').textContent()).toContain('中心已受理');
    await act(district, c.id, 'dispatch', { unitId: 'D-500103-cg' });
    await act(cg, c.id, 'sign');
    await act(cg, c.id, 'report-handled', { note: '已清运' });
    await act(checker, c.id, 'verify-fix', { passed: true });
    await act(district, c.id, 'close');
    await expect.poll(() => page.getByTestId('track-status').textContent(), { timeout: 10_000 }).toContain('已办结');
    await page.getByLabel('5 星').check();
    await page.getByRole('button', { name: '提交' }).click();
    await expect.poll(() => page.getByTestId('track-result').textContent()).toContain('感谢您的评价');
    await e2e.shot(page, 'track-rated-375');
    expect(errors).toEqual([]);
  });
});
