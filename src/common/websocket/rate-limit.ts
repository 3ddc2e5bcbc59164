/**
 * A token bucket: `ratePerSecond` refill, `burst` capacity. Time is passed in
 * (monotonic ms) so the hot path reads the clock once per event.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private ratePerSecond: number,
    private burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether, as of the last `take`, the client ran at least `events` and `seconds` of its rate ahead of that rate. */
  isAhead(events: number, seconds: number): boolean {
    return this.burst - this.tokens >= Math.max(events, this.ratePerSecond * seconds);
  }

  /** Milliseconds until the next token. */
  retryAfterMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  /** Full again after `now`: nothing worth remembering. */
  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  retune(ratePerSecond: number, burst: number): void {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.ratePerSecond);
    this.updatedAt = now;
  }
}

/**
 * Token buckets per key (client IP) with a bounded number of keys: full
 * buckets are forgotten, and when the map is full the oldest key is evicted
 * (a flood of distinct addresses cannot grow memory without bound).
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** 0 when allowed, else the milliseconds until the key may try again. */
  take(key: string, now: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      bucket = new TokenBucket(this.ratePerSecond, this.burst, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now) ? 0 : Math.max(1, bucket.retryAfterMs(now));
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops full buckets; if none were, the oldest one. */
  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
