import { ThrottlerStorageService } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler.storage';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('MemoryThrottlerStorage', () => {
  afterEach(() => jest.useRealTimers());

  it.each([
    ['blocking for the window', 5, 1000, 1000],
    ['blocking longer than the window', 3, 1000, 5000],
    ['without a block duration', 4, 2000, 0],
    ['with a high limit', 400, 1000, 1000],
  ])('answers exactly what @nestjs/throttler answers, %s', async (_name, limit, ttl, blockDuration) => {
    jest.useFakeTimers({ now: 1_000_000 });
    const reference = new ThrottlerStorageService();
    const storage = new MemoryThrottlerStorage();
    const next = random(limit * 7 + blockDuration);
    try {
      for (let i = 0; i < 3000; i++) {
        // Bursts and pauses, over two keys and past several windows and blocks.
        jest.advanceTimersByTime(next() < 0.9 ? Math.floor(next() * 20) : Math.floor(next() * 3 * ttl));
        const key = next() < 0.8 ? 'default:10.0.0.1' : 'default:10.0.0.2';
        const expected = await reference.increment(key, ttl, limit, blockDuration, 'default');
        expect([i, await storage.increment(key, ttl, limit, blockDuration, 'default')]).toEqual([i, expected]);
      }
    } finally {
      reference.onApplicationShutdown();
      storage.onApplicationShutdown();
    }
  });

  it('costs the same per request whatever the limit: the log is not copied on each hit', async () => {
    const storage = new MemoryThrottlerStorage();
    const now = 1_000_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) await storage.increment('default:10.0.0.1', 60_000, 100_000_000, 60_000, 'default', now + i);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    storage.onApplicationShutdown();
    // The filtering storage takes minutes here (200,000 filters of a log growing to 200,000); this takes well under a second.
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('forgets a key once it has no live hit, no block and its window is over, and keeps it until then', async () => {
    const storage = new MemoryThrottlerStorage();
    const now = 1_000_000;
    for (let i = 0; i < 3; i++) await storage.increment('default:a', 1000, 2, 5000, 'default', now);
    storage.sweep(now + 1000);
    expect(storage.size).toBe(1); // blocked until now + 5000
    storage.sweep(now + 5000);
    expect(storage.size).toBe(0);
    await storage.increment('default:b', 1000, 2, 1000, 'default', now);
    storage.sweep(now + 999);
    expect(storage.size).toBe(1);
    storage.sweep(now + 1000);
    expect(storage.size).toBe(0);
    storage.onApplicationShutdown();
  });
});
