/**
 * End-to-end support: the real server listening on a free port over a cloned test database,
 * Debian's Chromium driven headless by playwright-core (no downloaded browsers), and pages
 * that record every console error so a test can assert there were none.
 */
import { mkdirSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { afterAll } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.ts';

export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
/** Endpoints of the sensing module, which answers 404 until it is deployed. */
const OPTIONAL_API = /\/api\/v1\/(sensors|alarms|vital-signs)([/?]|$)/;
const CHROMIUM = process.env.CHENGYUN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // WebGL (the map) on the CPU: SwiftShader must be allowed explicitly since Chromium 139.
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
];

export interface E2e {
  app: TestApp;
  url: string;
  browser: Browser;
  /** A fresh context (its own storage: a different person) with a page that records console errors. */
  page(options?: { width?: number; height?: number; mobile?: boolean }): Promise<{ page: Page; context: BrowserContext; errors: string[] }>;
  shot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<void>;
}

export async function useE2e(): Promise<E2e> {
  const app = await startTestApp({ now: new Date().toISOString() });
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  mkdirSync(ARTIFACTS, { recursive: true });
  afterAll(async () => {
    await browser.close();
    await app.close();
  });
  return {
    app, url, browser,
    async page(options = {}) {
      const context = await browser.newContext({
        viewport: { width: options.width ?? 1360, height: options.height ?? 860 }, isMobile: options.mobile ?? false, hasTouch: options.mobile ?? false,
        locale: 'zh-CN', timezoneId: 'Asia/Shanghai', baseURL: url,
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        // The sensing API is optional: its 404s are expected and shown as "暂无数据"; any other error counts.
        if (m.type() === 'error' && !(m.text().includes('404') && OPTIONAL_API.test(m.location().url))) errors.push(`${m.text()} ${m.location().url}`);
      });
      page.on('pageerror', (e) => errors.push(e.message));
      return { page, context, errors };
    },
    async shot(page, name, options = {}) {
      await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: options.fullPage ?? false });
    },
  };
}

/** Signs in through the console's form. */
export async function signIn(page: Page, path: string, username: string, password = 'chengyun2026'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

/** The colour [r, g, b] of one pixel of the page as shown (a 1 × 1 screenshot, its PNG decoded here). */
export async function pixelAt(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 } });
  const chunks: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  // One row of one pixel: a filter byte, then the channels (any filter of a lone pixel leaves them as they are).
  const row = inflateSync(Buffer.concat(chunks));
  return [row[1], row[2], row[3]];
}

/** True when two colours differ by at most `tolerance` in every channel. */
export const near = (a: readonly number[], hex: string, tolerance = 16) =>
  [1, 3, 5].every((i, k) => Math.abs(parseInt(hex.slice(i, i + 2), 16) - a[k]) <= tolerance);
