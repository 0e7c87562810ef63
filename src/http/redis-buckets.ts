/**
 * Token buckets in Redis (REDIS_URL), shared by every node, so N nodes allow the limit once,
 * not N times. One Lua script refills and takes atomically (the arithmetic of takeToken in
 * rate-limit.ts); a bucket idle for a minute is full again, so its key expires then.
 * Redis away (not connected, an error, no answer within COMMAND_TIMEOUT_MS): take() resolves
 * to undefined and the caller counts in its own process; after an error or a timeout Redis is
 * left alone for PAUSE_MS, so a hung server costs one slow check, not one per request. One
 * warning per outage.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SharedBuckets } from './rate-limit.ts';

const COMMAND_TIMEOUT_MS = 500;
const PAUSE_MS = 5_000;
/** How long start-up waits for the first connection before going on without it. */
const CONNECT_WAIT_MS = 2_000;

const TAKE = `
local perMinute = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local perMs = perMinute / 60000
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(stored[1]) or perMinute
local at = tonumber(stored[2]) or now
tokens = math.min(perMinute, tokens + math.max(0, now - at) * perMs)
local wait = 0
if tokens < 1 then
  wait = math.max(1, math.ceil((1 - tokens) / perMs / 1000))
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return wait
`;

type WithTake = Redis & { takeToken(key: string, perMinute: number, now: number): Promise<number> };

export class RedisBuckets implements SharedBuckets {
  readonly #client: WithTake;
  readonly #prefix: string;
  readonly #log: Logger;
  #away = false;
  #pausedUntil = 0;

  private constructor(client: WithTake, prefix: string, log: Logger) {
    this.#client = client;
    this.#prefix = prefix;
    this.#log = log;
    client.on('error', (error: Error) => this.#lost(error));
    client.on('ready', () => this.#back());
  }

  /** Connects (waiting up to CONNECT_WAIT_MS); an unreachable Redis is logged, not fatal: it is retried in the background. */
  static async connect(url: string, prefix: string, log: Logger): Promise<RedisBuckets> {
    const client = new Redis(url, {
      lazyConnect: true,
      // Fail fast rather than queue: a limit check must not wait for a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_WAIT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    }) as WithTake;
    client.defineCommand('takeToken', { numberOfKeys: 1, lua: TAKE });
    const buckets = new RedisBuckets(client, prefix, log);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.connect().then(() => log.info({ url: redacted(url) }, 'rate limits shared between nodes in Redis'), (error: Error) => buckets.#lost(error)),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, CONNECT_WAIT_MS); }),
    ]);
    clearTimeout(timer);
    return buckets;
  }

  async take(key: string, perMinute: number, now: number): Promise<number | undefined> {
    if (this.#client.status !== 'ready' || performance.now() < this.#pausedUntil) return undefined;
    try {
      const wait = Number(await this.#client.takeToken(`${this.#prefix}${key}`, perMinute, now));
      this.#back();
      return wait;
    } catch (error) {
      this.#pausedUntil = performance.now() + PAUSE_MS;
      this.#lost(error as Error);
      return undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#client.status === 'ready') await this.#client.quit().catch(() => undefined);
    this.#client.disconnect();
  }

  #lost(error: Error): void {
    if (this.#away) return;
    this.#away = true;
    this.#log.warn({ err: error }, 'rate limits: Redis unreachable; each node counts for itself until it is back');
  }

  #back(): void {
    if (!this.#away) return;
    this.#away = false;
    this.#log.info('rate limits: Redis is back; limits are shared between nodes again');
  }
}

/** The URL without its password, for the log. */
function redacted(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = 'redacted';
  return u.toString();
}
