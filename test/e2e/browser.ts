/**
 * End-to-end support: the real server listening on a free port over a cloned test database,
 * Debian's Chromium driven headless by playwright-core (no downloaded browsers), and pages
 * that record every console error so a test can assert there were none.
 */
import { mkdirSync } from 'node:fs';
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
  shot(page: Page, name: string): Promise<void>;
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
    async shot(page, name) {
      await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
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
