import { ApiProperty } from '@nestjs/swagger';
import type { AdminOperationResult } from '../admin.service';

export class AdminOperationResultDto implements AdminOperationResult {
  @ApiProperty({ enum: ['cleanup', 'reset'] })
  operation!: 'cleanup' | 'reset';
  /** What each module removed or cleared, e.g. `{expired_sessions: 3}` */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  counts!: Record<string, number>;
  duration_ms!: number;
}

export class SystemStatsDto {
  cpu_usage_percent!: number;
  memory_usage_mb!: number;
  network_throughput_mbps!: number;
  active_connections!: number;
}

/** Seed shape of `GET /api/advanced/statistics/server`: the whole cluster. */
export class ServerStatisticsDto {
  total_users!: number;
  active_users!: number;
  total_channels!: number;
  active_channels!: number;
  uptime_seconds!: number;
  total_audio_packets!: number;
  total_data_transferred_mb!: number;
  system_stats!: SystemStatsDto;
}
