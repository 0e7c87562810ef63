/**
 * Abuse limits and the sign-in lockout across nodes: two app instances on one database, each
 * with its own in-process state, as two `chengyun serve` processes behind a load balancer.
 * The lockout lives in the database, so it holds across nodes without anything else; the rate
 * limits hold across nodes when REDIS_URL is set, and while Redis is unreachable each node
 * falls back to its own buckets (fail open: nothing is refused because Redis is away).
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type RateLimits } from '../../src/config.ts';
import { DEMO_PASSWORD } from '../../src/org/seed.ts';
import { useTestApp, type TestApp } from '../support/app.ts';

const REDIS_URL = process.env.CHENGYUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const limits = (signInPerAccount: number): RateLimits => ({ signInPerAddress: 1000, signInPerAccount, intakePerAddress: 0, intakePerReporter: 0 });

const login = (app: TestApp, username: string, password = DEMO_PASSWORD) =>
  app.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: '10.9.0.1' }).then((r) => r.statusCode);

describe('REDIS_URL', () => {
  it('is validated at start like every other setting', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisUrl).toBe('redis://127.0.0.1:6379/2');
    expect(loadConfig({}).redisUrl).toBeUndefined();
  });
});

describe('sign-in lockout across nodes (in the database)', async () => {
  const a = await useTestApp();
  const b = await useTestApp({ sibling: a });

  it('counts wrong passwords on every node towards one lock, which every node enforces', async () => {
    for (let i = 0; i < 5; i++) expect(await login(i % 2 ? b : a, 'jiefangbei.operator', 'wrong')).toBe(401);
    expect(await login(a, 'jiefangbei.operator')).toBe(423);
    expect(await login(b, 'jiefangbei.operator')).toBe(423);
  });

  it('locks after a burst of concurrent guesses on two nodes, so the right password after it is refused', async () => {
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => login(i % 2 ? b : a, 'yuzhong.cg', 'wrong')));
    expect(burst.every((s) => s === 401 || s === 423)).toBe(true);
    expect(await login(b, 'yuzhong.cg')).toBe(423);
    expect(await login(a, 'yuzhong.cg')).toBe(423);
  });
});

describe.skipIf(!(await redisReachable()))('rate limits shared in Redis', async () => {
  const env = { REDIS_URL, CHENGYUN_NATS_NAMESPACE: `t${randomBytes(4).toString('hex')}` };
  const a = await useTestApp({ rateLimits: limits(4), env });
  const b = await useTestApp({ rateLimits: limits(4), env, sibling: a });

  it('allows the per-account limit once across both nodes, then refuses on both, and refills for both', async () => {
    expect([await login(a, 'citizen'), await login(b, 'citizen'), await login(a, 'citizen'), await login(b, 'citizen')]).toEqual([200, 200, 200, 200]);
    expect(await login(a, 'citizen')).toBe(429);
    expect(await login(b, 'citizen')).toBe(429);
    // Other accounts have their own buckets.
    expect(await login(b, 'city.supervisor')).toBe(200);
    // 4 a minute: one token back after 15 s, taken by whichever node asks first.
    a.setNow('2026-11-20T02:00:15Z');
    b.setNow('2026-11-20T02:00:15Z');
    expect(await login(b, 'citizen')).toBe(200);
    expect(await login(a, 'citizen')).toBe(429);
  });

  it('without REDIS_URL each node counts for itself (the limit times the number of nodes)', async () => {
    const c = await useTestApp({ rateLimits: limits(2), sibling: a });
    const d = await useTestApp({ rateLimits: limits(2), sibling: a });
    expect([await login(c, 'yuzhong.admin'), await login(c, 'yuzhong.admin'), await login(d, 'yuzhong.admin'), await login(d, 'yuzhong.admin')]).toEqual([200, 200, 200, 200]);
    expect([await login(c, 'yuzhong.admin'), await login(d, 'yuzhong.admin')]).toEqual([429, 429]);
  });
});

describe('rate limits while Redis is unreachable', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } }));
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const app = await useTestApp({ rateLimits: limits(2), env: { REDIS_URL: 'redis://127.0.0.1:1' }, log });

  it('falls back to the node\'s own buckets: still limited, nothing refused for Redis\'s sake, one warning', async () => {
    expect([await login(app, 'jiefangbei.grid'), await login(app, 'jiefangbei.grid'), await login(app, 'jiefangbei.grid')]).toEqual([200, 200, 429]);
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && l.msg.includes('Redis unreachable'));
    expect(warnings).toHaveLength(1);
  });
});
