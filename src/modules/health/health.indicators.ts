import { getHeapStatistics } from 'node:v8';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import type { Env } from '../../config/env.validation';
import { DatabaseAvailability } from '../../database/database-availability';
import { MetricsCollector } from '../metrics/metrics-collector.service';

const MB = 1024 * 1024;

/**
 * The readiness checks beyond the database ping: Redis when configured, the
 * event loop's p99 delay of the last metrics sample, heap use against V8's limit.
 */
@Injectable()
export class ProcessHealthIndicators implements OnModuleDestroy {
  private readonly redisUrl: string | undefined;
  private readonly maxDelayMs: number;
  private readonly maxHeapRatio: number;
  /** Created on the first check; its own connection so a busy pub/sub client cannot mask an outage. */
  private redis: Redis | null = null;

  constructor(
    config: ConfigService<Env, true>,
    private readonly indicator: HealthIndicatorService,
    private readonly collector: MetricsCollector,
    private readonly database: DatabaseAvailability,
  ) {
    this.redisUrl = config.get('REDIS_URL', { infer: true });
    this.maxDelayMs = config.get('READY_EVENT_LOOP_DELAY_MS', { infer: true });
    this.maxHeapRatio = config.get('READY_HEAP_USED_RATIO', { infer: true });
  }

  get redisConfigured(): boolean {
    return this.redisUrl !== undefined;
  }

  async redisPing(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    if (!this.redis) {
      this.redis = new Redis(this.redisUrl!, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: timeoutMs,
        commandTimeout: timeoutMs,
      });
      // Failures surface through the ping below; without a listener ioredis reports each one as unhandled.
      this.redis.on('error', () => undefined);
    }
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      await this.redis.ping();
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  /** Down at once while the embedded database is being restarted, rather than after a ping times out. */
  async databaseUp(key: string, ping: () => Promise<HealthIndicatorResult>): Promise<HealthIndicatorResult> {
    if (this.database.available) return ping();
    return this.indicator.check(key).down({ message: 'embedded database restarting', retry_after_s: this.database.retryAfterSeconds });
  }

  eventLoop(key: string): HealthIndicatorResult {
    const session = this.indicator.check(key);
    const p99 = this.collector.latest()?.event_loop_delay_p99_ms ?? null;
    const details = { p99_ms: p99, max_ms: this.maxDelayMs };
    return p99 !== null && p99 > this.maxDelayMs ? session.down(details) : session.up(details);
  }

  heap(key: string): HealthIndicatorResult {
    const session = this.indicator.check(key);
    const stats = getHeapStatistics();
    const ratio = stats.used_heap_size / stats.heap_size_limit;
    const details = {
      used_mb: Math.round(stats.used_heap_size / MB),
      limit_mb: Math.round(stats.heap_size_limit / MB),
      used_ratio: Math.round(ratio * 1000) / 1000,
      max_ratio: this.maxHeapRatio,
    };
    return ratio > this.maxHeapRatio ? session.down(details) : session.up(details);
  }

  async onModuleDestroy(): Promise<void> {
    this.redis?.disconnect();
    this.redis = null;
  }
}
