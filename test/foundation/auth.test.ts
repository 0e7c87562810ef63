import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { DEMO_PASSWORD } from '../../src/org/seed.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });

const login = (username: string, password: string) =>
  app.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

describe('sign-in and tokens', () => {
  it('signs in with a hashed password and returns an opaque, expiring token', async () => {
    const res = await login('jiefangbei.operator', DEMO_PASSWORD);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token).toMatch(/^cy_[A-Za-z0-9_-]{43}$/);
    expect(body.user).toMatchObject({ username: 'jiefangbei.operator', role: 'operator', unitId: 'C-500103003' });
    expect(body.user.passwordHash).toBeUndefined();
    expect(new Date(body.expiresAt).getTime()).toBe(new Date('2026-11-20T14:00:00Z').getTime());
    const [stored] = await app.ctx.db.query<{ password_hash: string }>(`select password_hash from app_user where username = 'jiefangbei.operator'`);
    expect(stored.password_hash.startsWith('scrypt$')).toBe(true);
    const tokens = await app.ctx.db.query<{ token_hash: string }>('select token_hash from auth_token');
    expect(tokens.some((t) => t.token_hash === body.token)).toBe(false);
  });

  it('refuses wrong passwords and unknown users alike, and locks after five failures', async () => {
    const unknown = await login('nobody', 'whatever');
    const wrong = await login('chaotianmen.operator', 'wrong-password-1');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json().detail).toBe(wrong.json().detail);
    for (let i = 0; i < 4; i++) await login('chaotianmen.operator', 'wrong-password-1');
    const locked = await login('chaotianmen.operator', DEMO_PASSWORD);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().code).toBe('CY_LOCKED');
    app.setNow('2026-11-20T02:16:00Z');
    expect((await login('chaotianmen.operator', DEMO_PASSWORD)).statusCode).toBe(200);
    app.setNow('2026-11-20T02:00:00Z');
  });

  it('expires tokens after their lifetime and revokes them on sign-out', async () => {
    const token = (await login('yuzhong.operator', DEMO_PASSWORD)).json().token;
    const headers = { authorization: `Bearer ${token}` };
    expect((await app.server.inject({ url: '/api/v1/auth/me', headers })).statusCode).toBe(200);
    app.setNow('2026-11-20T14:00:01Z');
    const expired = await app.server.inject({ url: '/api/v1/auth/me', headers });
    expect(expired.statusCode).toBe(401);
    app.setNow('2026-11-20T02:00:00Z');
    expect((await app.server.inject({ method: 'POST', url: '/api/v1/auth/logout', headers })).statusCode).toBe(204);
    expect((await app.server.inject({ url: '/api/v1/auth/me', headers })).statusCode).toBe(401);
  });

  it('revokes a user\'s tokens when an admin disables them', async () => {
    const admin = await app.as('admin');
    const created = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: admin,
      payload: { username: 'temp.worker', displayName: '临时网格员', password: 'Temporary2026', role: 'grid_worker', unitId: 'C-500103003' },
    });
    const token = (await login('temp.worker', 'Temporary2026')).json().token;
    await app.server.inject({ method: 'PATCH', url: `/api/v1/users/${created.json().id}`, headers: admin, payload: { disabled: true } });
    expect((await app.server.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect((await login('temp.worker', 'Temporary2026')).statusCode).toBe(401);
  });

  it('answers bad requests with 4xx problem+json and changes nothing', async () => {
    const admin = await app.as('admin');
    const [{ n: before }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from app_user');
    const cases: { payload: string; type?: string; status: number; code: string }[] = [
      { payload: '{"username":', status: 400, code: 'CY_MALFORMED_BODY' },
      { payload: '{"username":"a","displayName":"b","password":"Password2026","role":"operator","unitId":"C-500103","extra":1}', status: 400, code: 'CY_VALIDATION' },
      { payload: '{"username":"abc","displayName":"b","password":"Password2026","role":"king","unitId":"C-500103"}', status: 400, code: 'CY_VALIDATION' },
      { payload: '{"username":"abc","displayName":5,"password":"Password2026","role":"operator","unitId":"C-500103"}', status: 400, code: 'CY_VALIDATION' },
      { payload: '{"username":"abc","displayName":"b","password":"short","role":"operator","unitId":"C-500103"}', status: 422, code: 'CY_UNPROCESSABLE' },
      { payload: '{"username":"abc","displayName":"b","password":"Password2026","role":"operator","unitId":"C-nope"}', status: 404, code: 'CY_NOT_FOUND' },
      { payload: '{"username":"admin","displayName":"b","password":"Password2026","role":"operator","unitId":"C-500103"}', status: 409, code: 'CY_CONFLICT' },
      { payload: '{"username":"abc","displayName":"b","password":"Password2026","role":"grid_worker","unitId":"C-500103"}', status: 422, code: 'CY_UNPROCESSABLE' },
      { payload: 'username=abc', type: 'application/x-www-form-urlencoded', status: 415, code: 'CY_UNSUPPORTED_MEDIA_TYPE' },
      { payload: '[]', status: 400, code: 'CY_VALIDATION' },
      { payload: JSON.stringify({ username: 'abc', displayName: 'x'.repeat(2_000_000) }), status: 413, code: 'CY_PAYLOAD_TOO_LARGE' },
    ];
    for (const c of cases) {
      const res = await app.server.inject({
        method: 'POST', url: '/api/v1/users', payload: c.payload,
        headers: { ...admin, 'content-type': c.type ?? 'application/json' },
      });
      expect(res.statusCode, c.payload.slice(0, 80)).toBe(c.status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json(), c.payload.slice(0, 80)).toMatchObject({ status: c.status, code: c.code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    }
    const [{ n: after }] = await app.ctx.db.query<{ n: number }>('select count(*)::int as n from app_user');
    expect(after).toBe(before);
    const noAuth = await app.server.inject({ url: '/api/v1/units' });
    expect(noAuth.statusCode).toBe(401);
    const badAuth = await app.server.inject({ url: '/api/v1/units', headers: { authorization: 'Bearer cy_nottherealtoken' } });
    expect(badAuth.statusCode).toBe(401);
    const noRoute = await app.server.inject({ url: '/api/v1/nothing-here' });
    expect(noRoute.json().code).toBe('CY_NOT_FOUND');
  });
});
