import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { MemoryThrottlerStorage } from './memory-throttler.storage';

/**
 * Counts in the shared storage (Redis) so limits hold across instances, and in
 * this process's memory while the shared one fails: a Redis outage must not
 * turn every request into a 500, and a per-instance limit is better than none.
 */
export class ResilientThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(ResilientThrottlerStorage.name);
  private readonly fallback = new MemoryThrottlerStorage();

  constructor(
    private readonly shared: ThrottlerStorage,
    private readonly sharedAvailable: () => boolean,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (!this.sharedAvailable()) return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    try {
      return await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      this.logger.warn(`rate limits counted on this instance only: ${(error as Error).message}`);
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
  }
}
