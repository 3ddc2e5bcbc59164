import { KeyedRateLimiter, TokenBucket } from './rate-limit';

describe('TokenBucket', () => {
  it('allows the burst, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.retryAfterMs(0)).toBe(100);
    expect(bucket.take(99)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.isFull(10_000)).toBe(true);
  });
});

describe('KeyedRateLimiter', () => {
  it('keeps a budget per key and answers the wait in ms', () => {
    const limiter = new KeyedRateLimiter(1, 2);
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('b', 0)]).toEqual([0, 0, 0]);
    expect(limiter.take('a', 0)).toBe(1000);
    expect(limiter.take('a', 1000)).toBe(0);
  });

  it('holds at most maxKeys keys: full buckets go first, else the oldest', () => {
    const limiter = new KeyedRateLimiter(1, 1, 3);
    for (const key of ['a', 'b', 'c']) limiter.take(key, 0);
    limiter.take('d', 0);
    expect(limiter.size).toBe(3);
    // 'a' was evicted: it starts again with a full burst.
    expect(limiter.take('a', 0)).toBe(0);
    // Later, every bucket is full again and all are dropped before the new key goes in.
    limiter.take('e', 60_000);
    expect(limiter.size).toBe(1);
  });
});
