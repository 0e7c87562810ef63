/** Token buckets, without a server: burst, refill, per-key independence, off switch. */
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/http/rate-limit.ts';

describe('token buckets', () => {
  it('grants a burst of perMinute, then refuses with the seconds until the next token', () => {
    let now = 0;
    const buckets = new TokenBuckets('test', { perMinute: 6 }, () => now);
    for (let i = 0; i < 6; i++) expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(10);
    now += 5_000;
    expect(buckets.take('a')).toBe(5);
    now += 5_000;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('b')).toBe(0);
  });

  it('never holds more than a burst, however long the key was idle', () => {
    let now = 0;
    const buckets = new TokenBuckets('test', { perMinute: 2 }, () => now);
    now += 3_600_000;
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 30]);
  });

  it('is off at 0 per minute', () => {
    const buckets = new TokenBuckets('test', { perMinute: 0 });
    for (let i = 0; i < 1000; i++) expect(buckets.take('a')).toBe(0);
  });
});
