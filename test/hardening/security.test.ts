/**
 * Sign-in lockout, rate limits on sign-in and public intake, security headers, secrets kept
 * out of the log, and reporter phone numbers masked in every read for users without the right.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DEMO_PASSWORD } from '../../src/org/seed.ts';
import { useTestApp } from '../support/app.ts';
import { makeFixtures, REPORTER_PHONE } from './fixtures.ts';
import { fillPath, operationsOf } from './openapi.ts';

const logLines: string[] = [];
const sink = new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } });
// The production defaults: 60 and 10 sign-ins, 120 and 30 reports per minute.
const app = await useTestApp({ log: pino({ level: 'trace' }, sink), rateLimits: loadConfig({}).rateLimits });
const fx = await makeFixtures(app);
const inject = app.server.inject.bind(app.server);

const login = (username: string, password: string, remoteAddress = '127.0.0.1') =>
  inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress });

function expectRateLimited(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(res.statusCode).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('sign-in', () => {
  it('locks an account after 5 wrong passwords, even against the right one, and says so with 423', async () => {
    for (let i = 0; i < 5; i++) expect((await login('liangjiang.operator', 'wrong', '10.0.0.1')).statusCode).toBe(401);
    const locked = await login('liangjiang.operator', DEMO_PASSWORD, '10.0.0.1');
    expect(locked.statusCode).toBe(423);
    expect(locked.json().code).toBe('CY_LOCKED');
  });

  it('limits sign-ins per account: the 11th within a minute gets 429 with Retry-After in problem+json', async () => {
    for (let i = 0; i < 10; i++) expect((await login('gxq.operator', DEMO_PASSWORD, `10.0.1.${i}`)).statusCode).toBe(200);
    const refused = await login('gxq.operator', DEMO_PASSWORD, '10.0.1.99');
    expectRateLimited(refused);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ status: 429, code: 'CY_RATE_LIMITED' });
    app.setNow('2026-11-20T02:00:07Z');
    expect((await login('gxq.operator', DEMO_PASSWORD, '10.0.1.99')).statusCode).toBe(200);
    expect((await login('gxq.operator', DEMO_PASSWORD, '10.0.1.99')).statusCode).toBe(429);
  });

  it('limits sign-ins per client address across accounts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await login(`nobody${i}`, 'x', '10.0.2.1')).statusCode);
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expectRateLimited(await login('nobody-else', 'x', '10.0.2.1'));
    expect((await login('nobody-else', 'x', '10.0.2.2')).statusCode).toBe(401);
  }, 240_000);
});

describe('public intake', () => {
  it('limits citizen reports per account (429 problem+json), and not staff patrol reports', async () => {
    const [lon, lat] = fx.own.point;
    const report = async (username: string) => inject({
      method: 'POST', url: '/api/v1/cases', headers: await app.as(username), remoteAddress: '10.0.3.1',
      payload: { categoryCode: 'E0102', description: '限流测试', location: { lon, lat } },
    });
    const { n: before } = (await app.ctx.db.query<{ n: number }>('select count(*)::int as n from case_record'))[0];
    let created = 0;
    let refused: Awaited<ReturnType<typeof report>> | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await report('citizen');
      if (res.statusCode === 201) created++;
      else refused = res;
    }
    // A full burst: the fixtures' report was seconds earlier on the test clock, refilled since.
    expect(created).toBe(30);
    expectRateLimited(refused!);
    expect(refused!.json().code).toBe('CY_RATE_LIMITED');
    const { n: after } = (await app.ctx.db.query<{ n: number }>('select count(*)::int as n from case_record'))[0];
    expect(after - before).toBe(created);
    expect((await report('jiefangbei.grid')).statusCode).toBe(201);
  });

  it('limits Open311 requests per API key, answering in the GeoReport error format', async () => {
    const [long, lat] = fx.other.point;
    let last = { statusCode: 0, headers: {} as Record<string, unknown>, body: '' };
    for (let i = 0; i < 31; i++) {
      last = await inject({ method: 'POST', url: '/open311/v2/requests.json', remoteAddress: `10.0.4.${i}`, payload: { api_key: fx.apiKey, service_code: 'E0102', lat, long } });
      if (i < 30) expect(last.statusCode).toBe(201);
    }
    expectRateLimited(last);
    expect(JSON.parse(last.body)).toEqual([{ code: 429, description: expect.stringContaining('retry after') }]);
  });
});

describe('security headers', () => {
  it('come with every kind of answer: data, refusals, exports, photos, Open311 XML, unknown routes', async () => {
    const operator = await app.as('yuzhong.operator');
    const answers = await Promise.all([
      inject({ url: '/health' }), inject({ url: '/api/v1/cases' }), inject({ url: '/api/v1/cases', headers: operator }),
      inject({ url: '/api/v1/cases/export.csv', headers: operator }), inject({ url: `/api/v1/photos/${fx.own.photo}`, headers: operator }),
      inject({ url: '/open311/v2/services.xml' }), inject({ url: '/no/such/route' }), inject({ method: 'POST', url: '/api/v1/cases', headers: operator, payload: '{' }),
    ]);
    for (const res of answers) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('the log', () => {
  it('never holds a password, token, webhook secret or API key', async () => {
    const admin = await app.as('admin');
    const token = admin.authorization.slice('Bearer '.length);
    const secrets = [DEMO_PASSWORD, token, fx.apiKey, 'fixture-secret-0123456789', 'N3w-Pa55word!', 'hook-secret-abcdefghijkl'];
    await inject({ url: '/api/v1/auth/me', headers: admin });
    await inject({ url: `/api/v1/events/stream?access_token=${token}&lastEventId=${'x'.repeat(101)}` });
    await inject({ url: `/open311/v2/services.json?api_key=${fx.apiKey}` });
    await inject({ url: `/open311/v2/requests.json?api_key=${fx.apiKey}&status=open` });
    await inject({ method: 'PATCH', url: `/api/v1/users/${fx.other.userId}`, headers: admin, payload: { password: 'N3w-Pa55word!' } });
    await inject({ method: 'POST', url: '/api/v1/webhooks', headers: admin, payload: { url: 'http://127.0.0.1:9/y', eventTypes: ['*'], secret: 'hook-secret-abcdefghijkl' } });
    await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: `${DEMO_PASSWORD}x` } });
    await inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'city.operator', password: DEMO_PASSWORD } });
    const log = logLines.join('');
    expect(log).toContain('incoming request');
    for (const secret of secrets) expect(log.includes(secret), `log contains ${secret.slice(0, 6)}…`).toBe(false);
  });
});

describe('reporter phone numbers', () => {
  const doc = async () => operationsOf((await inject({ url: '/docs/json' })).json());
  const values = (name: string, side: typeof fx.own): string => ({
    id: side.caseId, number: side.caseNumber, hash: side.photo, code: side.divisionCode, format: 'json', service_request_id: side.caseNumber, token: side.caseNumber,
  } as Record<string, string>)[name] ?? 'x';

  it('are masked in every GET answer and export for users without the right, and shown to the owning center', async () => {
    const gets = (await doc()).filter((op) => op.method === 'GET' && !op.path.endsWith('/events/stream') && !op.path.startsWith('/docs'));
    const without = ['jiefangbei.grid', 'jiefangbei.operator', 'yuzhong.cg', 'chaotianmen.operator', null];
    const queries: Record<string, string> = { '/api/v1/geo/lookup': `lon=${fx.own.point[0]}&lat=${fx.own.point[1]}`, '/api/v1/sla/calendar': 'from=2026-11-01&to=2026-11-30', '/api/v1/responsibility-rules/resolve': 'category=E0102&area=500103' };
    let masked = 0;
    for (const username of without) {
      const headers = username ? await app.as(username) : {};
      for (const op of gets) {
        for (const side of [fx.own, fx.other]) {
          const url = fillPath(op.path, Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, values(p.name, side)])));
          const res = await inject({ url: queries[op.path] ? `${url}?${queries[op.path]}` : url, headers });
          expect(res.body.includes(REPORTER_PHONE), `${username} ${url}`).toBe(false);
          if (res.body.includes('139****5678')) masked++;
        }
      }
    }
    expect(masked).toBeGreaterThan(10);
    const owner = await inject({ url: `/api/v1/cases/${fx.own.caseId}`, headers: await app.as('yuzhong.operator') });
    expect(owner.json().reporterPhone).toBe(REPORTER_PHONE);
  });
});
