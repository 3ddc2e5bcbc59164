import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../../common/auth/principal';
import { ChannelsService } from '../channels/channels.service';
import { CpuSampler } from '../metrics/cpu-sampler.service';
import type { AudioStatsView } from './stats/channel-audio-stats';
import { VoiceService } from './voice.service';

const MB = 1024 * 1024;

export interface ChannelAudioReport extends AudioStatsView {
  channel_id: string;
  active_streams: number;
  processing_latency_us: number | null;
}

/** The body of `GET /api/advanced/channels/:id/statistics`. */
export interface ChannelStatistics {
  channel_id: string;
  current_users: number;
  total_connections: number;
  uptime_seconds: number;
  audio_stats: AudioStatsView;
  performance_stats: {
    /** The process's (relaying is not separable per channel), % of one core: the metrics CPU figure. */
    cpu_usage_percent: number;
    memory_usage_mb: number;
    active_streams: number;
    processing_latency_us: number | null;
  };
}

/**
 * The channel statistics routes: channel facts from ChannelsService, audio
 * figures of every instance from VoiceService, process CPU from the metrics module's CpuSampler
 * (the figure `/api/metrics/current` reports, not a second measurement).
 */
@Injectable()
export class AudioStatisticsService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly voice: VoiceService,
    private readonly cpu: CpuSampler,
  ) {}

  async channelAudio(channelId: string, principal: UserPrincipal): Promise<ChannelAudioReport> {
    await this.channels.getVisible(channelId, principal);
    return { channel_id: channelId, ...(await this.voice.clusterChannelSummary(channelId)) };
  }

  async channel(channelId: string, principal: UserPrincipal): Promise<ChannelStatistics> {
    const channel = await this.channels.getVisible(channelId, principal);
    const { active_streams, processing_latency_us, ...audio } = await this.voice.clusterChannelSummary(channelId);
    return {
      channel_id: channelId,
      current_users: channel.current_users,
      total_connections: channel.total_connections,
      uptime_seconds: Math.floor((Date.now() - Date.parse(channel.created_at)) / 1000),
      audio_stats: audio,
      performance_stats: {
        cpu_usage_percent: this.cpu.current(),
        memory_usage_mb: Math.round((process.memoryUsage.rss() / MB) * 10) / 10,
        active_streams,
        processing_latency_us,
      },
    };
  }
}
