import { describe, expect, it } from 'vitest';
import { signIn, useE2e } from './browser.ts';

const e2e = await useE2e();

describe('the one map (一图掌控)', () => {
  it('renders the city with district outlines and labels, then drills into 渝中区', async () => {
    const { page, errors } = await e2e.page();
    await signIn(page, '/map', 'city.operator');
    await page.waitForURL('**/map**');
    await expect.poll(() => page.locator('.map-label').count(), { timeout: 20_000 }).toBeGreaterThan(20);
    await e2e.shot(page, 'onemap-city');
    // Keyboard: labels are buttons, so drilling works without a mouse.
    await page.locator('.map-label', { hasText: '渝中区' }).press('Enter');
    await page.waitForURL('**/map?division=500103');
    await expect(page.getByTestId('breadcrumbs')).toContainText('渝中区');
    await e2e.shot(page, 'onemap-yuzhong');
    expect(errors).toEqual([]);
  });
});
