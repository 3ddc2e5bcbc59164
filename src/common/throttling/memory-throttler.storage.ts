import { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

const SWEEP_INTERVAL_MS = 60_000;
/** Spent hits are cut off the front of a log once there are this many and they are at least half of it. */
const COMPACT_AFTER = 64;

interface Counter {
  /** Expiry times of the hits, oldest first (one TTL per key, so pushing keeps them sorted); live from `head` on. */
  hits: number[];
  head: number;
  /** End of the current window (epoch ms), for `timeToExpire`. */
  expiresAt: number;
  isBlocked: boolean;
  blockExpiresAt: number;
}

/**
 * The in-memory counts of one process: the same sliding log and blocking as
 * @nestjs/throttler's ThrottlerStorageService, at a constant cost per request.
 * That one filters the whole log of the key on every request (a new array as long
 * as the limit, each time): with a high limit, the throttler cost more than the
 * request it guarded. Here the log is sorted, so expired hits are skipped from the
 * front and cut off now and then. Keys idle for a window are swept every minute.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly counters = new Map<string, Counter>();
  private sweeper?: NodeJS.Timeout;

  increment(key: string, ttl: number, limit: number, blockDuration: number, _throttlerName: string, now = Date.now()): Promise<ThrottlerStorageRecord> {
    this.sweeper ??= setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS).unref();
    let counter = this.counters.get(key);
    if (!counter) this.counters.set(key, (counter = { hits: [], head: 0, expiresAt: now + ttl, isBlocked: false, blockExpiresAt: 0 }));
    dropExpired(counter, now);

    let timeToExpire = seconds(counter.expiresAt - now);
    if (timeToExpire <= 0) {
      counter.expiresAt = now + ttl;
      timeToExpire = seconds(ttl);
    }
    if (blockDuration <= 0) return Promise.resolve(this.countWithoutBlock(counter, ttl, limit, timeToExpire, now));

    if (!counter.isBlocked) counter.hits.push(now + ttl);
    if (live(counter) > limit && !counter.isBlocked) {
      counter.isBlocked = true;
      counter.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = seconds(counter.blockExpiresAt - now);
    if (timeToBlockExpire <= 0 && counter.isBlocked) {
      counter.isBlocked = false;
      counter.hits = [now + ttl];
      counter.head = 0;
    }
    return Promise.resolve({ totalHits: live(counter), timeToExpire, isBlocked: counter.isBlocked, timeToBlockExpire });
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.counters.clear();
  }

  /** Number of keys held (for tests). */
  get size(): number {
    return this.counters.size;
  }

  /** Forgets keys with nothing left to remember: no live hit, no block, window over. */
  sweep(now: number): void {
    for (const [key, counter] of this.counters) {
      const lastHit = counter.hits.length > counter.head ? counter.hits[counter.hits.length - 1] : 0;
      if ((counter.isBlocked && counter.blockExpiresAt > now) || counter.expiresAt > now || lastHit > now) continue;
      this.counters.delete(key);
    }
  }

  /** A throttler without a block duration refuses while over the limit, and counts only what it lets through. */
  private countWithoutBlock(counter: Counter, ttl: number, limit: number, timeToExpire: number, now: number): ThrottlerStorageRecord {
    const isBlocked = live(counter) >= limit;
    if (!isBlocked) counter.hits.push(now + ttl);
    const oldest = live(counter) > 0 ? counter.hits[counter.head] : undefined;
    return {
      totalHits: live(counter) + (isBlocked ? 1 : 0),
      timeToExpire,
      isBlocked,
      timeToBlockExpire: isBlocked ? (oldest === undefined ? timeToExpire : seconds(oldest - now)) : 0,
    };
  }
}

function live(counter: Counter): number {
  return counter.hits.length - counter.head;
}

function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

function dropExpired(counter: Counter, now: number): void {
  const { hits } = counter;
  let head = counter.head;
  while (head < hits.length && hits[head] <= now) head += 1;
  if (head >= COMPACT_AFTER && head * 2 >= hits.length) {
    counter.hits = hits.slice(head);
    head = 0;
  }
  counter.head = head;
}
