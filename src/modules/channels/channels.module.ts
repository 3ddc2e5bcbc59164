import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { CHANNEL_MEMBERSHIP_STORE, InMemoryChannelMembershipStore } from './channel-membership.store';
import { AdvancedChannelsController, ChannelsController } from './channels.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsMetrics } from './channels.metrics';
import { ChannelsService } from './channels.service';
import { Channel, ChannelSchema } from './schemas/channel.schema';

@Module({
  imports: [MongooseModule.forFeature([{ name: Channel.name, schema: ChannelSchema }])],
  controllers: [ChannelsController, AdvancedChannelsController],
  providers: [ChannelsRepository, ChannelsService, ChannelsMetrics, { provide: CHANNEL_MEMBERSHIP_STORE, useClass: InMemoryChannelMembershipStore }],
  exports: [ChannelsService],
})
export class ChannelsModule {}
