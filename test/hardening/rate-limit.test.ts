/** Token buckets, without a server: burst, refill, per-key independence, off switch, the shared store and its fallback. */
import { describe, expect, it } from 'vitest';
import { TokenBuckets, type SharedBuckets } from '../../src/http/rate-limit.ts';

describe('token buckets', () => {
  it('grants a burst of perMinute, then refuses with the seconds until the next token', async () => {
    let now = 0;
    const buckets = new TokenBuckets('test', { perMinute: 6 }, () => now);
    for (let i = 0; i < 6; i++) expect(await buckets.take('a')).toBe(0);
    expect(await buckets.take('a')).toBe(10);
    now += 5_000;
    expect(await buckets.take('a')).toBe(5);
    now += 5_000;
    expect(await buckets.take('a')).toBe(0);
    expect(await buckets.take('b')).toBe(0);
  });

  it('never holds more than a burst, however long the key was idle', async () => {
    let now = 0;
    const buckets = new TokenBuckets('test', { perMinute: 2 }, () => now);
    now += 3_600_000;
    expect([await buckets.take('a'), await buckets.take('a'), await buckets.take('a')]).toEqual([0, 0, 30]);
  });

  it('is off at 0 per minute', async () => {
    const buckets = new TokenBuckets('test', { perMinute: 0 });
    for (let i = 0; i < 1000; i++) expect(await buckets.take('a')).toBe(0);
  });
});

describe('token buckets with a shared store', () => {
  it('asks the store under its own id, and counts in the process while the store cannot answer', async () => {
    const asked: string[] = [];
    let up = true;
    const store: SharedBuckets = { take: async (key) => { asked.push(key); return up ? 7 : undefined; } };
    const buckets = new TokenBuckets('test', { perMinute: 2 }, () => 0, { store, id: 'signin-account' });
    expect(await buckets.take('user:a')).toBe(7);
    expect(asked).toEqual(['signin-account:user:a']);
    up = false;
    expect([await buckets.take('user:a'), await buckets.take('user:a'), await buckets.take('user:a')]).toEqual([0, 0, 30]);
  });
});
