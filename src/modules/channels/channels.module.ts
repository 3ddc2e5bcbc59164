import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { RedisConnections } from '../../common/redis/redis-connections';
import { ChannelMembershipReaper } from './channel-membership.reaper';
import { CHANNEL_MEMBERSHIP_STORE, ChannelMembershipStore, InMemoryChannelMembershipStore } from './channel-membership.store';
import { AdvancedChannelsController, ChannelsController } from './channels.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsMetrics } from './channels.metrics';
import { ChannelsService } from './channels.service';
import { RedisChannelMembershipStore } from './redis-channel-membership.store';
import { Channel, ChannelSchema } from './schemas/channel.schema';

@Module({
  imports: [MongooseModule.forFeature([{ name: Channel.name, schema: ChannelSchema }])],
  controllers: [ChannelsController, AdvancedChannelsController],
  providers: [
    ChannelsRepository,
    ChannelsService,
    ChannelsMetrics,
    ChannelMembershipReaper,
    {
      // One process keeps membership in memory; with REDIS_URL every instance shares it.
      provide: CHANNEL_MEMBERSHIP_STORE,
      inject: [RedisConnections, InstanceLiveness],
      useFactory: (redis: RedisConnections, liveness: InstanceLiveness): ChannelMembershipStore =>
        redis.enabled ? new RedisChannelMembershipStore(redis.commands, liveness.incarnation) : new InMemoryChannelMembershipStore(),
    },
  ],
  exports: [ChannelsService],
})
export class ChannelsModule {}
