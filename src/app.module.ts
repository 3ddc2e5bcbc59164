import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ClusterModule } from './common/cluster/cluster.module';
import { HttpExceptionFilter } from './common/errors/http-exception.filter';
import { EarlyRefusalMiddleware } from './common/http/early-refusal';
import { AccessLogMiddleware, AppLoggerModule } from './common/logging/logger.module';
import { RedisModule } from './common/redis/redis.module';
import { ThrottlingModule } from './common/throttling/throttling.module';
import { createValidationPipe } from './common/validation/validation.pipe';
import { WebsocketModule } from './common/websocket/websocket.module';
import { validateEnv } from './config/env.validation';
import { DatabaseModule } from './database/database.module';
import { AudioModule } from './modules/audio/audio.module';
import { AuthModule } from './modules/auth/auth.module';
import { ChannelsModule } from './modules/channels/channels.module';
import { AdminModule } from './modules/admin/admin.module';
import { HealthModule } from './modules/health/health.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { RealtimeModule } from './modules/realtime/realtime.module';
import { SignalingModule } from './modules/signaling/signaling.module';
import { StatsModule } from './modules/stats/stats.module';
import { UsersModule } from './modules/users/users.module';

export interface AppModuleOptions {
  /** Variables layered over process.env (tests use this to shorten TTLs, lower limits…). */
  env?: Record<string, string | undefined>;
}

@Module({})
export class AppModule implements NestModule {
  /** The root module's middleware runs after the other modules' (HTTP metrics): the access log, then early refusals. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AccessLogMiddleware, EarlyRefusalMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }

  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: options.env !== undefined,
          // An unset optional variable must stay unset, not fall back to process.env.
          skipProcessEnv: true,
          validate: (raw) => validateEnv({ ...raw, ...options.env }),
        }),
        AppLoggerModule,
        EventEmitterModule.forRoot(),
        DatabaseModule,
        RedisModule,
        ClusterModule,
        MetricsModule,
        HealthModule,
        AdminModule,
        UsersModule,
        ThrottlingModule,
        AuthModule,
        StatsModule,
        WebsocketModule,
        RealtimeModule,
        SignalingModule,
        ChannelsModule,
        AudioModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
