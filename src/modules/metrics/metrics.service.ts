import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { InstanceIdentity } from '../../common/redis/instance-identity';
import { Alert, AlertQuery, AlertsService } from './alerts.service';
import { ComponentScores, componentScores, HealthComponent, healthStatus, HealthStatus, HTTP_ERROR_RATE_THRESHOLD } from './health-score';
import { MetricsCollector } from './metrics-collector.service';
import { MetricsSample, round } from './metrics.sample';

export const METRIC_COMPONENTS = ['audio', 'performance', 'network'] as const;
export type MetricComponent = (typeof METRIC_COMPONENTS)[number];

const lossPercent = (rate: number | null) => (rate === null ? null : round(rate * 100, 2));
const unixSeconds = (ms: number) => Math.floor(ms / 1000);

/** The `/api/metrics/current` data in the shape monitoring clients read, plus a few documented extra fields. */
export function renderSnapshot(s: MetricsSample) {
  return {
    timestamp: unixSeconds(s.timestamp),
    collected_at: new Date(s.timestamp).toISOString(),
    audio_metrics: {
      active_channels: s.active_channels,
      active_users: s.active_users,
      average_latency_ms: s.average_latency_ms,
      packet_loss_percentage: lossPercent(s.packet_loss_rate),
      audio_quality_score: s.audio_quality_score,
      jitter_ms: s.jitter_ms,
      active_streams: s.active_streams,
    },
    performance_metrics: {
      cpu_usage_percent: s.cpu_usage_percent,
      memory_usage_mb: s.memory_rss_mb,
      // Node has no thread pool to report on the request path; its analogue is the event loop's busy share.
      thread_pool_utilization: round(s.event_loop_utilization * 100),
      heap_used_mb: s.heap_used_mb,
      event_loop_delay_ms: s.event_loop_delay_p99_ms,
    },
    network_metrics: {
      packets_received_per_second: s.packets_received_per_second,
      packets_sent_per_second: s.packets_sent_per_second,
      connection_count: s.connection_count,
      bytes_received_per_second: s.bytes_received_per_second,
      bytes_sent_per_second: s.bytes_sent_per_second,
    },
    system_health: {
      overall_health_score: s.overall_health_score,
      uptime_seconds: s.uptime_seconds,
      database_up: s.database_up,
    },
  };
}

/** Read side of the metrics: renders collector samples and alerts into the seed's shapes. */
@Injectable()
export class MetricsService {
  constructor(
    private readonly collector: MetricsCollector,
    private readonly alerts: AlertsService,
    private readonly identity: InstanceIdentity,
  ) {}

  /** The newest sample; before the first interval has elapsed, one taken now. */
  async latest(): Promise<MetricsSample> {
    const sample = this.collector.latest() ?? (await this.collector.sample()) ?? this.collector.latest();
    if (!sample) throw new AppError('SERVICE_UNAVAILABLE', 'No metrics sample available yet');
    return sample;
  }

  /**
   * This instance's figures, live: what is counted (connections, users, channels) is counted at the request;
   * rates are the last interval's. `instance` names the process that answered (behind a balancer, one of several).
   */
  async current() {
    return { instance: this.identity.id, ...renderSnapshot(this.collector.live(await this.latest())) };
  }

  history(limit: number, periodS: number) {
    const period = Math.min(periodS, this.collector.retentionS);
    const samples = this.collector.recent(limit, period);
    return {
      interval_ms: this.collector.intervalMs,
      retention_seconds: this.collector.retentionS,
      period_seconds: period,
      count: samples.length,
      samples: samples.map(renderSnapshot),
    };
  }

  async health() {
    const sample = await this.latest();
    const thresholds = this.collector.thresholds();
    const scores = componentScores(sample, thresholds);
    const component = (name: HealthComponent, metrics: Record<string, number | boolean | null>, limits: Record<string, number | null>) => ({
      score: scores[name] === null ? null : round(scores[name], 3),
      status: scores[name] === null ? null : healthStatus(scores[name]),
      metrics,
      thresholds: limits,
    });
    return {
      timestamp: unixSeconds(sample.timestamp),
      overall_health_score: sample.overall_health_score,
      status: healthStatus(sample.overall_health_score) satisfies HealthStatus,
      uptime_seconds: sample.uptime_seconds,
      active_alerts: this.alerts.activeCount(),
      components: {
        performance: component(
          'performance',
          { cpu_usage_percent: sample.cpu_usage_percent, event_loop_delay_p99_ms: sample.event_loop_delay_p99_ms },
          { cpu_usage_percent: thresholds.cpuPercent, event_loop_delay_p99_ms: thresholds.eventLoopDelayMs },
        ),
        memory: component('memory', { memory_rss_mb: sample.memory_rss_mb, heap_used_mb: sample.heap_used_mb }, { memory_rss_mb: thresholds.memoryRssMb }),
        audio: component(
          'audio',
          {
            average_latency_ms: sample.average_latency_ms,
            packet_loss_rate: sample.packet_loss_rate,
            audio_quality_score: sample.audio_quality_score,
          },
          { average_latency_ms: thresholds.latencyTargetMs, packet_loss_rate: thresholds.packetLossRate },
        ),
        network: component(
          'network',
          { http_error_rate: sample.http_error_rate, socket_latency_ms: sample.average_latency_ms, connection_count: sample.connection_count },
          { http_error_rate: HTTP_ERROR_RATE_THRESHOLD, socket_latency_ms: thresholds.latencyTargetMs },
        ),
        database: component('database', { reachable: sample.database_up }, {}),
      } satisfies Record<keyof ComponentScores, unknown>,
    };
  }

  alertList(query: AlertQuery): Alert[] {
    return this.alerts.list(query);
  }

  async summary() {
    const s = await this.latest();
    return {
      instance: this.identity.id,
      timestamp: unixSeconds(s.timestamp),
      uptime_seconds: s.uptime_seconds,
      overall_health_score: s.overall_health_score,
      cpu_usage_percent: s.cpu_usage_percent,
      memory_usage_mb: s.memory_rss_mb,
      event_loop_delay_ms: s.event_loop_delay_p99_ms,
      connection_count: s.connection_count,
      connected_users: s.connected_users,
      active_channels: s.active_channels,
      active_users: s.active_users,
      packets_received_per_second: s.packets_received_per_second,
      packets_sent_per_second: s.packets_sent_per_second,
      average_latency_ms: s.average_latency_ms,
      packet_loss_percentage: lossPercent(s.packet_loss_rate),
      audio_quality_score: s.audio_quality_score,
      database_up: s.database_up,
      active_alerts: this.alerts.activeCount(),
    };
  }

  async component(name: string) {
    if (!(METRIC_COMPONENTS as readonly string[]).includes(name)) {
      throw new AppError('NOT_FOUND', `Unknown component '${name.slice(0, 64)}' (audio, performance, network)`);
    }
    const s = await this.latest();
    const base = { component: name as MetricComponent, timestamp: unixSeconds(s.timestamp) };
    switch (name as MetricComponent) {
      case 'audio':
        return {
          ...base,
          metrics: {
            active_channels: s.active_channels,
            active_users: s.active_users,
            active_streams: s.active_streams,
            average_latency_ms: s.average_latency_ms,
            packet_loss_percentage: lossPercent(s.packet_loss_rate),
            jitter_ms: s.jitter_ms,
            audio_quality_score: s.audio_quality_score,
          },
        };
      case 'performance':
        return {
          ...base,
          metrics: {
            cpu_usage_percent: s.cpu_usage_percent,
            memory_usage_mb: s.memory_rss_mb,
            heap_used_mb: s.heap_used_mb,
            heap_total_mb: s.heap_total_mb,
            thread_pool_utilization: round(s.event_loop_utilization * 100),
            event_loop_utilization: s.event_loop_utilization,
            event_loop_delay_mean_ms: s.event_loop_delay_mean_ms,
            event_loop_delay_p99_ms: s.event_loop_delay_p99_ms,
            event_loop_delay_max_ms: s.event_loop_delay_max_ms,
            collector_overhead: this.collector.overhead(),
          },
        };
      case 'network':
        return {
          ...base,
          metrics: {
            connection_count: s.connection_count,
            connected_users: s.connected_users,
            packets_received_per_second: s.packets_received_per_second,
            packets_sent_per_second: s.packets_sent_per_second,
            bytes_received_per_second: s.bytes_received_per_second,
            bytes_sent_per_second: s.bytes_sent_per_second,
            socket_events_per_second: s.socket_events_per_second,
            http_requests_per_second: s.http_requests_per_second,
          },
        };
    }
  }
}
