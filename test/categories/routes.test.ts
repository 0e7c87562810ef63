import { describe, expect, it } from 'vitest';
import { CATEGORIES } from '../../src/categories/catalogue.ts';
import { useTestApp } from '../support/app.ts';

const app = await useTestApp();

describe('GET /api/v1/categories', () => {
  it('serves the whole catalogue to any signed-in user, citizens included', async () => {
    const res = await app.server.inject({ url: '/api/v1/categories', headers: await app.as('citizen') });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toHaveLength(CATEGORIES.length);
    expect(res.json().domains).toHaveLength(16);
    expect(res.json().items[0]).toMatchObject({ code: 'C0101', name: '上水井盖', kind: 'component', majorCode: 'C01', majorName: '公用设施', verified: true });
  });

  it('filters by kind, domain and text', async () => {
    const headers = await app.as('jiefangbei.grid');
    const events = await app.server.inject({ url: '/api/v1/categories?kind=event', headers });
    expect(events.json().items.every((c: { kind: string }) => c.kind === 'event')).toBe(true);
    const health = await app.server.inject({ url: '/api/v1/categories?kind=hotline&domain=health', headers });
    expect(health.json().items.map((c: { name: string }) => c.name)).toContain('医保报销');
    const q = await app.server.inject({ url: `/api/v1/categories?q=${encodeURIComponent('食品安全')}`, headers });
    expect(q.json().items.map((c: { code: string }) => c.code)).toEqual(['H0501']);
  });

  it('refuses the anonymous and unknown filters', async () => {
    expect((await app.server.inject({ url: '/api/v1/categories' })).statusCode).toBe(401);
    const headers = await app.as('citizen');
    const bad = await app.server.inject({ url: '/api/v1/categories?kind=thing', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('CY_VALIDATION');
    expect((await app.server.inject({ url: '/api/v1/categories?domain=space', headers })).statusCode).toBe(400);
  });
});
