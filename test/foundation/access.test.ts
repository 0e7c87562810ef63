import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';

const app = await useTestApp();

const JIEFANGBEI = '500103003';
const CHAOTIANMEN = '500103010';

describe('jurisdiction scoping', () => {
  it('shows a street operator exactly their street, its communities and grids', async () => {
    const headers = await app.as('jiefangbei.operator');
    const roots = await app.server.inject({ url: '/api/v1/divisions', headers });
    expect(roots.json().items.map((d: { code: string }) => d.code)).toEqual([JIEFANGBEI]);
    const communities = await app.server.inject({ url: `/api/v1/divisions/${JIEFANGBEI}/children`, headers });
    expect(communities.json().items.length).toBeGreaterThan(0);
    const first = communities.json().items[0].code;
    const grids = await app.server.inject({ url: `/api/v1/divisions/${first}/grids`, headers });
    expect(grids.statusCode).toBe(200);
    const grid = await app.server.inject({ url: `/api/v1/grids/${grids.json().items[0].code}`, headers });
    expect(grid.statusCode).toBe(200);
    // The district above is visible for context, but its other streets are not listed.
    const district = await app.server.inject({ url: '/api/v1/divisions/500103', headers });
    expect(district.json().access).toBe('above');
    const siblings = await app.server.inject({ url: '/api/v1/divisions/500103/children', headers });
    expect(siblings.json().items.map((d: { code: string }) => d.code)).toEqual([JIEFANGBEI]);
  });

  it('refuses a 解放碑 operator everything of 朝天门 with the same 404 as a missing id', async () => {
    const headers = await app.as('jiefangbei.operator');
    const other = await app.as('chaotianmen.operator');
    const communities = await app.server.inject({ url: `/api/v1/divisions/${CHAOTIANMEN}/children`, headers: other });
    const theirCommunity = communities.json().items[0].code;
    const theirGrids = await app.server.inject({ url: `/api/v1/divisions/${theirCommunity}/grids`, headers: other });
    const theirGrid = theirGrids.json().items[0].code;
    for (const url of [
      `/api/v1/divisions/${CHAOTIANMEN}`, `/api/v1/divisions/${CHAOTIANMEN}/children`, `/api/v1/divisions/${CHAOTIANMEN}/geometry`,
      `/api/v1/divisions/${theirCommunity}`, `/api/v1/divisions/${theirCommunity}/grids`, `/api/v1/grids/${theirGrid}`,
      `/api/v1/units/C-${CHAOTIANMEN}`, `/api/v1/divisions/${CHAOTIANMEN}/versions`,
    ]) {
      const res = await app.server.inject({ url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code, url).toBe('CY_NOT_FOUND');
    }
    const missing = await app.server.inject({ url: '/api/v1/units/C-500103999', headers });
    expect(missing.json().detail).toBe('unit C-500103999 not found');
    const search = await app.server.inject({ url: `/api/v1/divisions?q=${encodeURIComponent('朝天门')}`, headers });
    expect(search.json().items).toEqual([]);
  });

  it('lets a district operator see all of its streets, and the units above', async () => {
    const headers = await app.as('yuzhong.operator');
    const streets = await app.server.inject({ url: '/api/v1/divisions/500103/children', headers });
    expect(streets.json().items).toHaveLength(11);
    const units = await app.server.inject({ url: '/api/v1/units?tier=street', headers });
    expect(units.json().items).toHaveLength(11);
    expect((await app.server.inject({ url: '/api/v1/units/C-500000', headers })).statusCode).toBe(200);
    expect((await app.server.inject({ url: '/api/v1/units/C-500106', headers })).statusCode).toBe(404);
  });

  it('gives management zones their streets and takes them from the district', async () => {
    const admin = await app.as('admin');
    const created = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: admin,
      payload: { username: 'shapingba.operator', displayName: '沙坪坝区值班员', password: 'Shapingba2026', role: 'operator', unitId: 'C-500106' },
    });
    expect(created.statusCode).toBe(201);
    const spb = await app.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'shapingba.operator', password: 'Shapingba2026' } });
    const spbHeaders = { authorization: `Bearer ${spb.json().token}` };
    const gxq = await app.as('gxq.operator');
    const xiyong = await app.server.inject({ url: `/api/v1/divisions?q=${encodeURIComponent('西永街道')}`, headers: gxq });
    const code = xiyong.json().items[0].code;
    expect(xiyong.json().items[0].zone).toMatchObject({ code: 'zone-gxq' });
    expect((await app.server.inject({ url: `/api/v1/divisions/${code}`, headers: spbHeaders })).statusCode).toBe(404);
    const spbStreets = await app.server.inject({ url: '/api/v1/divisions/500106/children', headers: spbHeaders });
    expect(spbStreets.json().items.map((d: { code: string }) => d.code)).not.toContain(code);
    const gxqRoots = await app.server.inject({ url: '/api/v1/divisions', headers: gxq });
    expect(gxqRoots.json().items).toHaveLength(10);
  });

  it('refuses writes across jurisdictions and roles without the right', async () => {
    const yuzhongAdmin = await app.as('yuzhong.admin');
    const inOther = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: yuzhongAdmin,
      payload: { username: 'intruder', displayName: 'x', password: 'Intruder2026x', role: 'operator', unitId: 'C-500199' },
    });
    expect(inOther.statusCode).toBe(404);
    const inOwn = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: yuzhongAdmin,
      payload: { username: 'jfb.operator2', displayName: '解放碑值班员二', password: 'Jiefangbei2026', role: 'operator', unitId: `C-${JIEFANGBEI}` },
    });
    expect(inOwn.statusCode).toBe(201);
    // The 两江新区 operator cannot be modified from 渝中区, and is invisible there.
    const admin = await app.as('admin');
    const all = await app.server.inject({ url: '/api/v1/users?limit=500', headers: admin });
    const lj = all.json().items.find((u: { username: string }) => u.username === 'liangjiang.operator');
    const patch = await app.server.inject({ method: 'PATCH', url: `/api/v1/users/${lj.id}`, headers: yuzhongAdmin, payload: { disabled: true } });
    expect(patch.statusCode).toBe(404);
    const listed = await app.server.inject({ url: '/api/v1/users?limit=500', headers: yuzhongAdmin });
    const usernames = listed.json().items.map((u: { username: string }) => u.username);
    expect(usernames).toContain('jiefangbei.operator');
    expect(usernames).not.toContain('liangjiang.operator');
    // An operator may not create users at all.
    const operator = await app.as('yuzhong.operator');
    const forbidden = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: operator,
      payload: { username: 'x.y', displayName: 'x', password: 'Whatever2026', role: 'operator', unitId: 'C-500103' },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('CY_FORBIDDEN');
    const citizen = await app.as('citizen');
    expect((await app.server.inject({ url: '/api/v1/units', headers: citizen })).statusCode).toBe(403);
  });
});
