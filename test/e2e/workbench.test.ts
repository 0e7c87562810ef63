import { beforeAll, describe, expect, it } from 'vitest';
import { pointIn } from '../support/geo.ts';
import { signIn, useE2e } from './browser.ts';

// A street operator dispatches; the department's handler sees the case arrive without a reload.
const e2e = await useE2e();
const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';
let patrol: { id: string; number: string };
let elsewhere: { number: string };

async function report(username: string, code: string, body: Record<string, unknown>) {
  const headers = await e2e.app.as(username);
  const [lon, lat] = await pointIn(e2e.app, code, await e2e.app.as('city.operator'), 3);
  const res = await e2e.app.server.inject({ method: 'POST', url: '/api/v1/cases', headers, payload: { location: { lon, lat }, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

beforeAll(async () => {
  // A grid worker's patrol report belongs to the street center (解放碑).
  patrol = await report('jiefangbei.grid', JIEFANGBEI, { channel: 'patrol', categoryCode: 'E0102', title: '巡查发现垃圾堆积', description: '解放碑八一路口垃圾堆积未清运' });
  elsewhere = await report('citizen', CHAOTIANMEN, { categoryCode: 'E0102', title: '朝天门码头垃圾', description: '朝天门码头台阶上有垃圾' });
});

describe('the operator workbench', () => {
  it('shows a street operator only their street, lets them dispatch, and the handler sees it live', async () => {
    const handler = await e2e.page();
    await signIn(handler.page, '/work', 'yuzhong.cg');
    await handler.page.waitForURL('**/work');
    await expect.poll(() => handler.page.getByText('实时').count(), { timeout: 10_000 }).toBe(1);
    expect(await handler.page.locator(`[data-case="${patrol.number}"]`).count()).toBe(0);

    const operator = await e2e.page();
    const { page } = operator;
    await signIn(page, '/work', 'jiefangbei.operator');
    await page.waitForURL('**/work');
    await page.locator(`[data-case="${patrol.number}"]`).waitFor();
    expect(await page.locator(`[data-case="${elsewhere.number}"]`).count()).toBe(0);
    await expect.poll(() => page.locator('[data-sla]').first().getAttribute('data-sla')).toMatch(/ok|near|late/);
    await e2e.shot(page, 'workbench-queue');

    await page.locator(`[data-case="${patrol.number}"]`).click();
    await page.waitForURL(`**/work/${patrol.id}`);
    await page.locator('[data-action="accept"]').click();
    await page.getByTestId('action-submit').click();
    await page.locator('[data-action="dispatch"]').click();
    await page.getByLabel('承办单位').selectOption('D-500103-cg');
    await e2e.shot(page, 'workbench-dispatch-form');
    await page.getByTestId('action-submit').click();
    await expect.poll(() => page.getByTestId('detail-status').textContent(), { timeout: 10_000 }).toContain('待签收');
    await expect.poll(() => page.getByTestId('detail-assignee').textContent()).toContain('城市管理局');
    await e2e.shot(page, 'workbench-dispatched');

    // No reload on the handler's side: the live stream brings the case into the queue.
    await handler.page.locator(`[data-case="${patrol.number}"]`).waitFor({ timeout: 15_000 });
    await handler.page.locator(`[data-case="${patrol.number}"]`).click();
    await handler.page.locator('[data-action="sign"]').waitFor();
    await e2e.shot(handler.page, 'workbench-handler');
    expect(handler.errors).toEqual([]);
    expect(operator.errors).toEqual([]);
  });
});
