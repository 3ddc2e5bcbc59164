import { ApiProperty } from '@nestjs/swagger';
import { ALERT_SEVERITIES, type Alert, type AlertRule, type AlertSeverity } from '../alerts.service';
import type { HealthComponent, HealthStatus } from '../health-score';

const HEALTH_STATUSES: HealthStatus[] = ['healthy', 'degraded', 'unhealthy'];
const FIGURES = { type: 'object', additionalProperties: { type: 'number', nullable: true } } as const;

export class AudioMetricsDto {
  active_channels!: number;
  active_users!: number;
  average_latency_ms!: number | null;
  packet_loss_percentage!: number | null;
  audio_quality_score!: number | null;
  jitter_ms!: number | null;
  active_streams!: number;
}

export class PerformanceMetricsDto {
  cpu_usage_percent!: number;
  memory_usage_mb!: number;
  /** The event loop's busy share, % */
  thread_pool_utilization!: number;
  heap_used_mb!: number;
  event_loop_delay_ms!: number | null;
}

export class NetworkMetricsDto {
  packets_received_per_second!: number;
  packets_sent_per_second!: number;
  connection_count!: number;
  bytes_received_per_second!: number;
  bytes_sent_per_second!: number;
}

export class SystemHealthDto {
  overall_health_score!: number;
  uptime_seconds!: number;
  database_up!: boolean;
}

/** One metrics snapshot, seed shape. */
export class MetricsSnapshotDto {
  /** Unix seconds */
  timestamp!: number;
  /** ISO 8601 */
  collected_at!: string;
  audio_metrics!: AudioMetricsDto;
  performance_metrics!: PerformanceMetricsDto;
  network_metrics!: NetworkMetricsDto;
  system_health!: SystemHealthDto;
}

/** `/api/metrics/current`: a live snapshot, naming the instance that answered. */
export class MetricsCurrentDto extends MetricsSnapshotDto {
  /** This process (INSTANCE_ID, or host and pid) */
  instance!: string;
}

export class MetricsHistoryDto {
  interval_ms!: number;
  retention_seconds!: number;
  period_seconds!: number;
  count!: number;
  samples!: MetricsSnapshotDto[];
}

export class ComponentHealthDto {
  /** 0..1, null without data */
  score!: number | null;
  @ApiProperty({ enum: HEALTH_STATUSES, nullable: true })
  status!: HealthStatus | null;
  @ApiProperty({ type: 'object', additionalProperties: { oneOf: [{ type: 'number', nullable: true }, { type: 'boolean' }] } })
  metrics!: Record<string, number | boolean | null>;
  @ApiProperty(FIGURES)
  thresholds!: Record<string, number | null>;
}

export class HealthComponentsDto {
  performance!: ComponentHealthDto;
  memory!: ComponentHealthDto;
  audio!: ComponentHealthDto;
  network!: ComponentHealthDto;
  database!: ComponentHealthDto;
}

export class MetricsHealthDto {
  timestamp!: number;
  overall_health_score!: number;
  @ApiProperty({ enum: HEALTH_STATUSES })
  status!: HealthStatus;
  uptime_seconds!: number;
  active_alerts!: number;
  components!: HealthComponentsDto;
}

export class AlertDto implements Alert {
  id!: string;
  @ApiProperty({ enum: ['cpu_usage', 'event_loop_delay', 'memory_rss', 'packet_loss', 'audio_latency', 'database_unreachable'] })
  rule!: AlertRule;
  @ApiProperty({ enum: ['performance', 'memory', 'audio', 'database'] })
  component!: HealthComponent;
  @ApiProperty({ enum: ALERT_SEVERITIES })
  severity!: AlertSeverity;
  message!: string;
  value!: number;
  threshold!: number;
  /** ISO 8601 */
  raised_at!: string;
  resolved_at!: string | null;
  active!: boolean;
}

export class MetricsSummaryDto {
  /** This process (INSTANCE_ID, or host and pid) */
  instance!: string;
  timestamp!: number;
  uptime_seconds!: number;
  overall_health_score!: number;
  cpu_usage_percent!: number;
  memory_usage_mb!: number;
  event_loop_delay_ms!: number | null;
  connection_count!: number;
  connected_users!: number;
  active_channels!: number;
  active_users!: number;
  packets_received_per_second!: number;
  packets_sent_per_second!: number;
  average_latency_ms!: number | null;
  packet_loss_percentage!: number | null;
  audio_quality_score!: number | null;
  database_up!: boolean;
  active_alerts!: number;
}

export class ComponentMetricsDto {
  @ApiProperty({ enum: ['audio', 'performance', 'network'] })
  component!: 'audio' | 'performance' | 'network';
  timestamp!: number;
  @ApiProperty(FIGURES)
  metrics!: Record<string, number | null>;
}
