import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ChannelsModule } from '../channels/channels.module';
import { UsersModule } from '../users/users.module';
import { UserStats, UserStatsSchema } from './schemas/user-stats.schema';
import { UserStatsController } from './user-stats.controller';
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
  providers: [UserStatsRepository, UserStatsService],
  exports: [UserStatsService],
})
export class StatsModule {}
