/**
 * A real application on its own cloned database, driven through fastify.inject().
 * The clock is adjustable so time-dependent behaviour is tested without waiting.
 */
import { afterAll } from 'vitest';
import { pino, type Logger } from 'pino';
import { loadConfig, type RateLimits } from '../../src/config.ts';
import { makeContext, type AppContext } from '../../src/app.ts';
import { CityModel } from '../../src/divisions/city-model.ts';
import { buildServer, type ChengyunServer } from '../../src/http/server.ts';
import { openDb } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { DEMO_PASSWORD } from '../../src/org/seed.ts';
import { cloneTemplate } from './backend.ts';

export interface TestApp {
  ctx: AppContext;
  server: ChengyunServer;
  /** Moves the test clock (sign-ins made before may have expired: `as` signs in again). */
  setNow(iso: string): void;
  /** Signs in a demo account; returns headers carrying its token. */
  as(username: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

let cityCache: Promise<CityModel> | undefined;

/** Abuse limits are off in tests unless a test asks for them: suites sign in and report far faster than people. */
const NO_LIMITS: RateLimits = { signInPerAddress: 0, signInPerAccount: 0, intakePerAddress: 0, intakePerReporter: 0 };

export interface TestAppOptions {
  now?: string;
  log?: Logger;
  rateLimits?: RateLimits;
  /** Settings from the environment's names, e.g. { REDIS_URL, CHENGYUN_NATS_NAMESPACE }. */
  env?: Record<string, string>;
  /** A second node: its own server and in-process state on `sibling`'s database (closing it leaves the database to `sibling`). */
  sibling?: TestApp;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clone = options.sibling ? undefined : await cloneTemplate();
  const config = {
    ...loadConfig(options.env ?? {}),
    databaseUrl: clone ? clone.databaseUrl : options.sibling!.ctx.config.databaseUrl, dataDir: clone ? clone.dataDir ?? '' : options.sibling!.ctx.config.dataDir, logLevel: 'silent' as const, rateLimits: options.rateLimits ?? NO_LIMITS,
  };
  const db = options.sibling?.ctx.db ?? await openDb({ databaseUrl: clone!.databaseUrl, dataDir: clone!.dataDir });
  await migrate(db);
  // The city model is the same in every clone; loading it once per worker saves seconds per file.
  cityCache ??= CityModel.load(db);
  const city = await cityCache;
  let now = new Date(options.now ?? '2026-11-20T02:00:00Z');
  const ctx = makeContext({ config, db, city, log: options.log ?? pino({ level: 'silent' }), clock: () => new Date(now) });
  const server = await buildServer(ctx);
  const tokens = new Map<string, string>();
  const app: TestApp = {
    ctx,
    server,
    setNow: (iso) => {
      now = new Date(iso);
      tokens.clear();
    },
    async as(username) {
      let token = tokens.get(username);
      if (!token) {
        const res = await server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: DEMO_PASSWORD } });
        if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
        token = res.json().token as string;
        tokens.set(username, token);
      }
      return { authorization: `Bearer ${token}` };
    },
    async close() {
      await server.close();
      if (!clone) return;
      await db.close();
      await clone.drop();
    },
  };
  return app;
}

/** Starts an app for the current test file and closes it after the file. */
export async function useTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const app = await startTestApp(options);
  afterAll(() => app.close());
  return app;
}
