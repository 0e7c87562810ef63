/**
 * Rate limits (限流) on sign-in and public intake: token buckets, one per key (client address,
 * account, API key). A refused request gets 429 with Retry-After.
 * The buckets live in this process, or in Redis when REDIS_URL is set (redis-buckets.ts), so
 * that the limit holds across every node instead of once per node. When Redis cannot be
 * reached the buckets of this process take over (the per-node limit): traffic is never
 * refused because the shared counter is away.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from './errors.ts';

export interface Rate {
  /** Requests allowed per minute, which is also the burst; 0 turns the limit off. */
  perMinute: number;
}

/** Buckets shared between nodes; resolves to undefined when the store cannot answer now. */
export interface SharedBuckets {
  take(key: string, perMinute: number, now: number): Promise<number | undefined>;
}

export interface Bucket { tokens: number; at: number }

/**
 * One token-bucket step, the same arithmetic as the Redis script: refill for the time passed
 * (never above the burst), then take a token. Returns the bucket after and the seconds to wait
 * (0: granted).
 */
export function takeToken(bucket: Bucket | undefined, perMinute: number, now: number): { bucket: Bucket; wait: number } {
  const perMs = perMinute / 60_000;
  const before = bucket ?? { tokens: perMinute, at: now };
  const tokens = Math.min(perMinute, before.tokens + Math.max(0, now - before.at) * perMs);
  if (tokens < 1) return { bucket: { tokens, at: now }, wait: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
  return { bucket: { tokens: tokens - 1, at: now }, wait: 0 };
}

const MAX_KEYS = 100_000;

export class TokenBuckets {
  readonly name: string;
  readonly rate: Rate;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #shared: { store: SharedBuckets; id: string } | undefined;

  /** `shared.id` keeps this set's keys apart from other sets' in the shared store. */
  constructor(name: string, rate: Rate, now: () => number = () => performance.now(), shared?: { store: SharedBuckets; id: string }) {
    this.name = name;
    this.rate = rate;
    this.#now = now;
    this.#shared = shared;
  }

  /** Takes one token for `key`; resolves to 0 when granted, else the seconds until one is available. */
  async take(key: string): Promise<number> {
    const { perMinute } = this.rate;
    if (perMinute <= 0) return 0;
    const now = this.#now();
    if (this.#shared) {
      const wait = await this.#shared.store.take(`${this.#shared.id}:${key}`, perMinute, now);
      if (wait !== undefined) return wait;
    }
    return this.#takeHere(key, now);
  }

  #takeHere(key: string, now: number): number {
    const { bucket, wait } = takeToken(this.#buckets.get(key), this.rate.perMinute, now);
    // Re-inserted so the Map's order is least recently touched first: an attacker cycling
    // through many addresses pushes out the oldest keys, not the active ones.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > MAX_KEYS) this.#buckets.delete(this.#buckets.keys().next().value!);
    return wait;
  }
}

/** Takes a token from each bucket for its key; throws 429 (with Retry-After set) when any is empty. */
export async function limit(reply: FastifyReply, checks: readonly [TokenBuckets, string | undefined][]): Promise<void> {
  for (const [buckets, key] of checks) {
    if (key === undefined) continue;
    const wait = await buckets.take(key);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new Problem('CY_RATE_LIMITED', `Too many ${buckets.name} requests; retry after ${wait} s`, undefined, { retryAfter: wait });
    }
  }
}

/** The client address: the socket's, as Fastify reports it (set trustProxy behind a load balancer). */
export const clientOf = (request: FastifyRequest) => `ip:${request.ip}`;
