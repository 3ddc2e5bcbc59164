import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { RedisConnections } from '../../common/redis/redis-connections';
import { ChannelsModule } from '../channels/channels.module';
import { AudioConfigController } from './audio-config.controller';
import { AudioConfigRepository } from './audio-config.repository';
import { AudioConfigService } from './audio-config.service';
import { AudioStatisticsService } from './audio-statistics.service';
import { AudioStatsController } from './audio-stats.controller';
import { RedisVoiceLink } from './cluster/redis-voice-link';
import { LocalVoiceLink, VoiceLink } from './cluster/voice-link';
import { Setting, SettingSchema } from './schemas/settings.schema';
import { VoiceGateway } from './voice.gateway';
import { VoiceService } from './voice.service';
import { WsVoiceProtocol } from './ws-voice.protocol';

/** Audio config, the voice relay on /voice and /ws, and the audio statistics. */
@Module({
  imports: [ChannelsModule, MongooseModule.forFeature([{ name: Setting.name, schema: SettingSchema }])],
  controllers: [AudioConfigController, AudioStatsController],
  providers: [
    AudioConfigRepository,
    AudioConfigService,
    VoiceService,
    VoiceGateway,
    WsVoiceProtocol,
    AudioStatisticsService,
    {
      // With REDIS_URL, members of a channel on other instances hear this one's and are heard.
      provide: VoiceLink,
      inject: [RedisConnections, InstanceLiveness],
      useFactory: (redis: RedisConnections, liveness: InstanceLiveness): VoiceLink =>
        redis.enabled ? new RedisVoiceLink(redis, liveness) : new LocalVoiceLink(),
    },
  ],
  exports: [VoiceService, AudioConfigService],
})
export class AudioModule {}
