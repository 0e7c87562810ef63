import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { ERRORS } from '../../src/http/errors.ts';

const app = await useTestApp();

describe('HTTP foundation', () => {
  it('answers health and readiness', async () => {
    expect((await app.server.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await app.server.inject({ url: '/ready' });
    expect(ready.json()).toMatchObject({ status: 'ready', database: app.ctx.db.kind });
  });

  it('carries request ids and security headers', async () => {
    const res = await app.server.inject({ url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const generated = await app.server.inject({ url: '/health', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('documents every route in OpenAPI with its errors in the problem format', async () => {
    const res = await app.server.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown>; summary?: string; tags?: string[] }>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThanOrEqual(18);
    for (const { path, method, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      const statuses = Object.keys(op.responses);
      expect(statuses.some((s) => s.startsWith('2')), `${method} ${path}`).toBe(true);
      if (path.startsWith('/api/')) expect(statuses.some((s) => s.startsWith('4')), `${method} ${path}`).toBe(true);
    }
    expect(doc.components.schemas.Problem ?? doc.components.schemas['def-0']).toBeTruthy();
    const ui = await app.server.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
  });

  it('keeps one error catalogue with unique codes and 4xx/5xx statuses', () => {
    for (const [code, { status, title }] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^CY_[A-Z_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(title.length).toBeGreaterThan(5);
    }
  });
});
