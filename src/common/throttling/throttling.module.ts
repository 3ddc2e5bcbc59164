import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { Env } from '../../config/env.validation';
import { RedisConnections } from '../redis/redis-connections';
import { AppThrottlerGuard } from './app-throttler.guard';
import { CREDENTIAL_ROUTE } from './credential-route.decorator';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { ResilientThrottlerStorage } from './resilient-throttler.storage';

/**
 * Per-client-IP rate limits with @nestjs/throttler: `default` (THROTTLE_LIMIT per
 * THROTTLE_TTL_S) on every route, `auth` (AUTH_THROTTLE_LIMIT) on credential
 * routes. Both count per IP across routes, not per route. State lives in the
 * throttler's storage: in memory (MemoryThrottlerStorage), or in Redis with
 * REDIS_URL so that the limits hold across instances.
 * Imported before AuthModule so its guard runs first: a flood is refused before
 * any token is checked.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, RedisConnections],
      useFactory: (config: ConfigService<Env, true>, redis: RedisConnections) => {
        const ttl = config.get('THROTTLE_TTL_S', { infer: true }) * 1000;
        return {
          storage: redis.enabled
            ? new ResilientThrottlerStorage(new ThrottlerStorageRedisService(redis.commands), () => redis.available)
            : new MemoryThrottlerStorage(),
          setHeaders: false,
          generateKey: (_context, tracker, name) => `${name}:${tracker}`,
          throttlers: [
            { name: 'default', ttl, limit: config.get('THROTTLE_LIMIT', { infer: true }) },
            {
              name: 'auth',
              ttl,
              limit: config.get('AUTH_THROTTLE_LIMIT', { infer: true }),
              skipIf: (context) => !Reflect.getMetadata(CREDENTIAL_ROUTE, context.getHandler()) && !Reflect.getMetadata(CREDENTIAL_ROUTE, context.getClass()),
            },
          ],
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: AppThrottlerGuard }],
})
export class ThrottlingModule {}
