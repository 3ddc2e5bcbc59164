/**
 * Sessions whose connection was just closed for flooding, and until when their
 * new connections are refused. Without it, a client that reconnects at once gets
 * a fresh burst allowance with every connection, and each reconnect costs the
 * server a handshake, room joins and presence announcements to everyone.
 *
 * Bounded: one entry per punished session, expired entries dropped first, and
 * when the map is full the oldest entry goes (the cooldown is the same for every
 * entry, so insertion order is expiry order).
 */
export class OffenderCooldown {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly cooldownMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Starts (or restarts) the cooldown of `key` at `now` (monotonic ms). */
  punish(key: string, now: number): void {
    if (this.cooldownMs <= 0) return;
    this.until.delete(key);
    if (this.until.size >= this.maxKeys) this.evict(now);
    this.until.set(key, now + this.cooldownMs);
  }

  /** 0 when `key` may connect, else the milliseconds until it may. */
  retryAfterMs(key: string, now: number): number {
    const until = this.until.get(key);
    if (until === undefined) return 0;
    if (until > now) return Math.ceil(until - now);
    this.until.delete(key);
    return 0;
  }

  get size(): number {
    return this.until.size;
  }

  private evict(now: number): void {
    for (const [key, until] of this.until) {
      if (until > now) break;
      this.until.delete(key);
    }
    if (this.until.size >= this.maxKeys) this.until.delete(this.until.keys().next().value!);
  }
}
