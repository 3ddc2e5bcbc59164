import { ApiProperty } from '@nestjs/swagger';
import type { ChannelAudioReport, ChannelStatistics } from '../audio-statistics.service';
import { AUDIO_CODECS, type AudioCodec, type AudioConfig } from '../audio-config';
import type { AudioStatsView } from '../stats/channel-audio-stats';

export class AudioConfigDto implements AudioConfig {
  sample_rate!: number;
  channels!: number;
  bit_depth!: number;
  buffer_size!: number;
  latency_target_ms!: number;
  @ApiProperty({ enum: AUDIO_CODECS })
  codec!: AudioCodec;
  frame_duration_ms!: number;
  max_packet_bytes!: number;
}

/** Measured figures; null until there is data (docs/audio-stats.md says how each is measured). */
export class AudioStatsDto implements AudioStatsView {
  packets_sent!: number;
  packets_received!: number;
  bytes_transferred!: number;
  average_latency_ms!: number | null;
  /** 0..1 */
  packet_loss_rate!: number | null;
  /** 0..1 */
  audio_quality_score!: number | null;
  jitter_ms!: number | null;
}

export class ChannelAudioReportDto extends AudioStatsDto implements ChannelAudioReport {
  channel_id!: string;
  active_streams!: number;
  processing_latency_us!: number | null;
}

export class ChannelPerformanceStatsDto {
  /** The process's, % of one core */
  cpu_usage_percent!: number;
  memory_usage_mb!: number;
  active_streams!: number;
  processing_latency_us!: number | null;
}

/** Seed shape of `GET /api/advanced/channels/:id/statistics`. */
export class ChannelStatisticsDto implements ChannelStatistics {
  channel_id!: string;
  current_users!: number;
  total_connections!: number;
  uptime_seconds!: number;
  audio_stats!: AudioStatsDto;
  performance_stats!: ChannelPerformanceStatsDto;
}
