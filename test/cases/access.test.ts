import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { pointIn } from '../support/geo.ts';

const app = await useTestApp();

type Headers = Record<string, string>;
let caseId: string;
let caseNumber: string;
let photo: string;

beforeAll(async () => {
  const citizen = await app.as('citizen');
  const [lon, lat] = await pointIn(app, '500103003', await app.as('city.operator'));
  const upload = await app.server.inject({ method: 'POST', url: '/api/v1/photos', headers: { ...citizen, 'content-type': 'image/png' }, payload: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) });
  photo = upload.json().hash;
  const res = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: citizen, payload: { categoryCode: 'E0102', description: '访问控制测试', location: { lon, lat }, photos: [photo] } });
  caseId = res.json().id;
  caseNumber = res.json().number;
});

describe('case jurisdiction', () => {
  it('shows a 解放碑 case to its centers, and to nobody outside, with the same 404 as a missing id', async () => {
    const allowed = ['citizen', 'jiefangbei.operator', 'jiefangbei.grid', 'yuzhong.operator', 'city.operator', 'city.supervisor'];
    const refused = ['chaotianmen.operator', 'liangjiang.operator', 'gxq.operator', 'yuzhong.cg'];
    for (const username of allowed) {
      const headers = await app.as(username);
      for (const url of [`/api/v1/cases/${caseId}`, `/api/v1/cases/${caseId}/timeline`, `/api/v1/cases/by-number/${caseNumber}`, `/api/v1/photos/${photo}`]) {
        expect((await app.server.inject({ url, headers })).statusCode, `${username} ${url}`).toBe(200);
      }
      const list = await app.server.inject({ url: '/api/v1/cases?limit=500', headers });
      expect(list.json().items.map((c: { id: string }) => c.id), username).toContain(caseId);
    }
    for (const username of refused) {
      const headers: Headers = await app.as(username);
      for (const url of [`/api/v1/cases/${caseId}`, `/api/v1/cases/${caseId}/timeline`, `/api/v1/cases/by-number/${caseNumber}`, `/api/v1/photos/${photo}`]) {
        const res = await app.server.inject({ url, headers });
        expect(res.statusCode, `${username} ${url}`).toBe(404);
        expect(res.json().code).toBe('CY_NOT_FOUND');
      }
      for (const [action, payload] of [['accept', {}], ['reject', { reason: 'x' }], ['supervise', { note: 'x' }], ['merge', { masterId: 'x' }]] as const) {
        const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/${action}`, headers, payload });
        expect(res.statusCode, `${username} ${action}`).toBe(404);
      }
      const list = await app.server.inject({ url: '/api/v1/cases?limit=500', headers });
      expect(list.json().items.map((c: { id: string }) => c.id), username).not.toContain(caseId);
      const csv = await app.server.inject({ url: '/api/v1/cases/export.csv', headers });
      expect(csv.body).not.toContain(caseNumber);
    }
    const missing = await app.server.inject({ url: '/api/v1/cases/case_00000000-0000-7000-8000-000000000000', headers: await app.as('chaotianmen.operator') });
    expect(missing.json().detail).toMatch(/^case .* not found$/);
  });

  it('masks the reporter phone in lists and exports for roles without the right', async () => {
    const grid = await app.as('jiefangbei.grid');
    const list = await app.server.inject({ url: '/api/v1/cases', headers: grid });
    expect(JSON.stringify(list.json())).not.toContain('13800000000');
    const csv = await app.server.inject({ url: '/api/v1/cases/export.csv', headers: grid });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('138****0000');
    expect(csv.body).not.toContain('13800000000');
    const operator = await app.server.inject({ url: '/api/v1/cases/export.csv', headers: await app.as('yuzhong.operator') });
    expect(operator.body).toContain('13800000000');
  });

  it('filters and pages the list with a cursor', async () => {
    const headers = await app.as('yuzhong.operator');
    const [lon, lat] = await pointIn(app, '500103003', headers, 3);
    for (let i = 0; i < 4; i++) {
      await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers, payload: { channel: 'hotline', categoryCode: 'E0201', description: `小广告 ${i}`, location: { lon, lat } } });
    }
    const first = await app.server.inject({ url: '/api/v1/cases?channel=hotline&limit=3', headers });
    expect(first.json().items).toHaveLength(3);
    const second = await app.server.inject({ url: `/api/v1/cases?channel=hotline&limit=3&cursor=${first.json().next}`, headers });
    expect(second.json().items).toHaveLength(1);
    const all = [...first.json().items, ...second.json().items].map((c: { id: string }) => c.id);
    expect(new Set(all).size).toBe(4);
    const text = await app.server.inject({ url: `/api/v1/cases?q=${encodeURIComponent('小广告 2')}`, headers });
    expect(text.json().items).toHaveLength(1);
    const bbox = await app.server.inject({ url: `/api/v1/cases?bbox=${lon - 0.0001},${lat - 0.0001},${lon + 0.0001},${lat + 0.0001}`, headers });
    expect(bbox.json().items.length).toBeGreaterThanOrEqual(4);
    const byStatus = await app.server.inject({ url: '/api/v1/cases?status=closed', headers });
    expect(byStatus.json().items).toEqual([]);
  });

  it('answers malformed intake and actions with 4xx problem+json and stores nothing', async () => {
    const headers = await app.as('citizen');
    const [{ n: before }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from case_record');
    const bad: [unknown, number][] = [
      [{ description: 'x' }, 400],
      [{ description: 'x', location: { lon: 106.5, lat: 95 } }, 400],
      [{ description: 'x', location: { lon: '106.5', lat: 29.5 } }, 400],
      [{ description: '', location: { lon: 106.5, lat: 29.5 } }, 400],
      [{ description: 'x', location: { lon: 116.4, lat: 39.9 } }, 422],
      [{ description: 'x', location: { lon: 106.57, lat: 29.56 }, categoryCode: 'NOPE' }, 422],
      [{ description: 'x', location: { lon: 106.57, lat: 29.56 }, photos: ['0'.repeat(64)] }, 422],
      [{ description: 'x', location: { lon: 106.57, lat: 29.56 }, urgency: 'panic' }, 400],
      [{ description: 'x', location: { lon: 106.57, lat: 29.56 }, sneaky: true }, 400],
      ['not json at all', 400],
    ];
    for (const [payload, status] of bad) {
      const res = await app.server.inject({ method: 'POST', url: '/api/v1/cases', headers: { ...headers, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const [{ n: after }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from case_record');
    expect(after).toBe(before);
    const operator = await app.as('yuzhong.operator');
    const badActions: [string, unknown, number][] = [
      ['dispatch', {}, 400],
      ['dispatch', { unitId: 'D-500199-cg' }, 409],
      ['evaluate', { satisfaction: 9 }, 400],
      ['request-extension', { minutes: -5, reason: 'x' }, 400],
      ['fly-away', {}, 404],
    ];
    for (const [action, payload, status] of badActions) {
      const res = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/${action}`, headers: operator, payload: payload as object });
      expect(res.statusCode, action).toBe(status);
    }
    await app.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/accept`, headers: operator, payload: {} });
    const wrongUnit = await app.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/dispatch`, headers: operator, payload: { unitId: 'D-500199-cg' } });
    expect(wrongUnit.statusCode).toBe(422);
    const notPhoto = await app.server.inject({ method: 'POST', url: '/api/v1/photos', headers: { ...headers, 'content-type': 'image/jpeg' }, payload: Buffer.from('<?php echo 1; ?>') });
    expect(notPhoto.statusCode).toBe(415);
    const huge = await app.server.inject({ method: 'POST', url: '/api/v1/photos', headers: { ...headers, 'content-type': 'image/jpeg' }, payload: Buffer.alloc(6 * 1024 * 1024, 0xff) });
    expect(huge.statusCode).toBe(413);
  });
});
