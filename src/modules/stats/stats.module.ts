import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RedisConnections } from '../../common/redis/redis-connections';
import { ChannelsModule } from '../channels/channels.module';
import { UsersModule } from '../users/users.module';
import { UserStats, UserStatsSchema } from './schemas/user-stats.schema';
import { UserStatsController } from './user-stats.controller';
import { LocalUserStats, RedisUserStats, UserStatsExchange } from './user-stats.exchange';
import { UserStatsRepository } from './user-stats.repository';
import { UserStatsService } from './user-stats.service';

/**
 * Global: presence, messaging, signaling and voice count into UserStatsService
 * without importing this module. Depends on users and channels, never the reverse
 * (users reach it only through the `user.deleted` event).
 */
@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: UserStats.name, schema: UserStatsSchema }]), UsersModule, ChannelsModule],
  controllers: [UserStatsController],
  providers: [
    UserStatsRepository,
    UserStatsService,
    {
      // With REDIS_URL, counters not yet written are shared, so any instance reports every instance's.
      provide: UserStatsExchange,
      inject: [RedisConnections],
      useFactory: (redis: RedisConnections): UserStatsExchange => (redis.enabled ? new RedisUserStats(redis.commands) : new LocalUserStats()),
    },
  ],
  exports: [UserStatsService],
})
export class StatsModule {}
