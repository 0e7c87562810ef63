/**
 * Rate limits (限流) on sign-in and public intake: token buckets in this process, one per
 * key (client address, account, API key). A refused request gets 429 with Retry-After.
 * Behind several nodes each node counts for itself, so the effective limit is the per-node
 * limit times the number of nodes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from './errors.ts';

export interface Rate {
  /** Requests allowed per minute, which is also the burst; 0 turns the limit off. */
  perMinute: number;
}

interface Bucket { tokens: number; at: number }

const MAX_KEYS = 100_000;

export class TokenBuckets {
  readonly name: string;
  readonly rate: Rate;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(name: string, rate: Rate, now: () => number = () => performance.now()) {
    this.name = name;
    this.rate = rate;
    this.#now = now;
  }

  /** Takes one token for `key`; returns 0 when granted, else the seconds until one is available. */
  take(key: string): number {
    const { perMinute } = this.rate;
    if (perMinute <= 0) return 0;
    const now = this.#now();
    const perMs = perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    bucket.tokens -= 1;
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    // Oldest-touched keys go first when an attacker cycles through many addresses.
    if (this.#buckets.size > MAX_KEYS) this.#buckets.delete(this.#buckets.keys().next().value!);
    return 0;
  }
}

/** Takes a token from each bucket for its key; throws 429 (with Retry-After set) when any is empty. */
export function limit(reply: FastifyReply, checks: readonly [TokenBuckets, string | undefined][]): void {
  for (const [buckets, key] of checks) {
    if (key === undefined) continue;
    const wait = buckets.take(key);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new Problem('CY_RATE_LIMITED', `Too many ${buckets.name} requests; retry after ${wait} s`, undefined, { retryAfter: wait });
    }
  }
}

/** The client address: the socket's, as Fastify reports it (set trustProxy behind a load balancer). */
export const clientOf = (request: FastifyRequest) => `ip:${request.ip}`;
