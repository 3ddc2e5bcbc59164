import { EventLoopUtilization, IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectConnection } from '@nestjs/mongoose';
import { ConnectionStates, type Connection } from 'mongoose';
import type { Env } from '../../config/env.validation';
import { AlertsService } from './alerts.service';
import { CpuSampler } from './cpu-sampler.service';
import { componentScores, HealthThresholds, overallScore } from './health-score';
import { MetricsRecorder, RecorderTotals } from './metrics-recorder.service';
import { MetricsSources } from './metrics-sources.service';
import { MetricsSample, round, roundOrNull } from './metrics.sample';
import { RingBuffer } from './ring-buffer';

const MB = 1024 * 1024;

/**
 * Samples the process, the recorder's totals and the registered sources every
 * METRICS_INTERVAL_MS (closing the CPU sampler's window each time) into a ring
 * holding METRICS_RETENTION_S of history, and evaluates the alert rules on each
 * sample. Everything it reads is in memory except one database ping per sample
 * (bounded by a timeout), which is how "database unreachable" is noticed.
 */
@Injectable()
export class MetricsCollector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MetricsCollector.name);
  readonly intervalMs: number;
  readonly retentionS: number;
  private readonly history: RingBuffer<MetricsSample>;
  private readonly eventLoopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly baseThresholds: Omit<HealthThresholds, 'latencyTargetMs'>;
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;

  private lastAt = 0;
  private lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  private lastTotals: RecorderTotals;

  /** CPU time the collector itself spent in its synchronous work, for the overhead figure. */
  private selfCpuMicros = 0;
  private samplesTaken = 0;

  constructor(
    config: ConfigService<Env, true>,
    private readonly recorder: MetricsRecorder,
    private readonly sources: MetricsSources,
    private readonly cpu: CpuSampler,
    private readonly alerts: AlertsService,
    @InjectConnection() private readonly connection: Connection,
  ) {
    this.intervalMs = config.get('METRICS_INTERVAL_MS', { infer: true });
    this.retentionS = config.get('METRICS_RETENTION_S', { infer: true });
    this.history = new RingBuffer(Math.max(1, Math.ceil((this.retentionS * 1000) / this.intervalMs)));
    this.baseThresholds = {
      cpuPercent: config.get('ALERT_CPU_PERCENT', { infer: true }),
      eventLoopDelayMs: config.get('ALERT_EVENT_LOOP_DELAY_MS', { infer: true }),
      memoryRssMb: config.get('ALERT_MEMORY_RSS_MB', { infer: true }),
      packetLossRate: config.get('ALERT_PACKET_LOSS_RATE', { infer: true }),
    };
    this.lastTotals = { ...recorder.totals };
  }

  onApplicationBootstrap(): void {
    this.eventLoopDelay.enable();
    this.lastAt = performance.now();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    // Metrics never keep the process alive on their own.
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.eventLoopDelay.disable();
  }

  thresholds(): HealthThresholds {
    return { ...this.baseThresholds, latencyTargetMs: this.sources.audioLatencyTargetMs() };
  }

  /** The newest sample, or null before the first interval has elapsed. */
  latest(): MetricsSample | null {
    return this.history.last() ?? null;
  }

  /** Up to `limit` samples of the last `periodS` seconds, oldest first. */
  recent(limit: number, periodS: number): MetricsSample[] {
    const since = Date.now() - periodS * 1000;
    return this.history.takeLast(limit, (sample) => sample.timestamp >= since);
  }

  /** Mean CPU microseconds per sample of the collector's own synchronous work, and what that is of one core. */
  overhead(): { cpu_us_per_sample: number | null; percent_of_one_core: number | null } {
    if (this.samplesTaken === 0) return { cpu_us_per_sample: null, percent_of_one_core: null };
    const perSample = this.selfCpuMicros / this.samplesTaken;
    return { cpu_us_per_sample: round(perSample, 1), percent_of_one_core: round((perSample / (this.intervalMs * 1000)) * 100, 4) };
  }

  /**
   * `base` (the newest sample) with the figures that count things now taken now: open sockets,
   * connected users, channels and streams, memory, uptime. Rates and scores stay those of the interval.
   */
  live(base: MetricsSample): MetricsSample {
    const audio = this.sources.audio();
    const memory = process.memoryUsage();
    return {
      ...base,
      timestamp: Date.now(),
      uptime_seconds: Math.floor(process.uptime()),
      memory_rss_mb: round(memory.rss / MB),
      heap_used_mb: round(memory.heapUsed / MB),
      heap_total_mb: round(memory.heapTotal / MB),
      connection_count: this.recorder.totals.openSockets,
      connected_users: this.sources.presence().connected_users,
      active_channels: audio.active_channels,
      active_users: audio.active_users,
      active_streams: audio.active_streams,
    };
  }

  /** Forgets the history (admin reset); returns how many samples it held. */
  clearHistory(): number {
    return this.history.clear();
  }

  /** One sample: in-memory figures, one bounded database ping, alert evaluation. Never overlaps itself. */
  async sample(): Promise<MetricsSample | null> {
    if (this.sampling) return null;
    this.sampling = true;
    try {
      const databaseUp = await this.pingDatabase();
      const started = process.cpuUsage();
      const sample = this.measure(databaseUp);
      this.history.push(sample);
      this.alerts.evaluate(sample, this.thresholds());
      const spent = process.cpuUsage(started);
      this.selfCpuMicros += spent.user + spent.system;
      this.samplesTaken++;
      return sample;
    } catch (error) {
      this.logger.error(`metrics sample failed: ${(error as Error).message}`);
      return null;
    } finally {
      this.sampling = false;
    }
  }

  private measure(databaseUp: boolean): MetricsSample {
    const now = performance.now();
    const seconds = Math.max((now - this.lastAt) / 1000, 1e-3);
    this.lastAt = now;

    const cpuPercent = this.cpu.take();
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    const memory = process.memoryUsage();

    const histogram = this.eventLoopDelay;
    const hasDelay = histogram.count > 0;
    const delay = {
      mean: hasDelay ? histogram.mean / 1e6 : null,
      p99: hasDelay ? histogram.percentile(99) / 1e6 : null,
      max: hasDelay ? histogram.max / 1e6 : null,
    };
    histogram.reset();

    const totals = this.recorder.totals;
    const last = this.lastTotals;
    const rate = (current: number, previous: number) => round(Math.max(0, current - previous) / seconds);
    const requests = totals.httpRequests - last.httpRequests;
    const httpErrorRate = requests > 0 ? Math.max(0, totals.httpServerErrors - last.httpServerErrors) / requests : null;
    const rates = {
      socketEvents: rate(totals.socketEvents, last.socketEvents),
      http: rate(totals.httpRequests, last.httpRequests),
      packetsIn: rate(totals.audioPacketsIn, last.audioPacketsIn),
      packetsOut: rate(totals.audioPacketsOut, last.audioPacketsOut),
      bytesIn: rate(totals.audioBytesIn, last.audioBytesIn),
      bytesOut: rate(totals.audioBytesOut, last.audioBytesOut),
    };
    this.lastTotals = { ...totals };

    const audio = this.sources.audio();
    const presence = this.sources.presence();
    const partial: Omit<MetricsSample, 'overall_health_score'> = {
      timestamp: Date.now(),
      uptime_seconds: Math.floor(process.uptime()),
      cpu_usage_percent: cpuPercent,
      memory_rss_mb: round(memory.rss / MB),
      heap_used_mb: round(memory.heapUsed / MB),
      heap_total_mb: round(memory.heapTotal / MB),
      event_loop_utilization: round(elu.utilization, 4),
      event_loop_delay_mean_ms: roundOrNull(delay.mean),
      event_loop_delay_p99_ms: roundOrNull(delay.p99),
      event_loop_delay_max_ms: roundOrNull(delay.max),
      connection_count: totals.openSockets,
      connected_users: presence.connected_users,
      socket_events_per_second: rates.socketEvents,
      http_requests_per_second: rates.http,
      http_error_rate: roundOrNull(httpErrorRate, 4),
      packets_received_per_second: rates.packetsIn,
      packets_sent_per_second: rates.packetsOut,
      bytes_received_per_second: rates.bytesIn,
      bytes_sent_per_second: rates.bytesOut,
      active_channels: audio.active_channels,
      active_users: audio.active_users,
      active_streams: audio.active_streams,
      average_latency_ms: roundOrNull(audio.average_latency_ms),
      packet_loss_rate: roundOrNull(audio.packet_loss_rate, 4),
      jitter_ms: roundOrNull(audio.jitter_ms),
      audio_quality_score: roundOrNull(audio.audio_quality_score, 3),
      database_up: databaseUp,
    };
    return { ...partial, overall_health_score: round(overallScore(componentScores(partial, this.thresholds())), 3) };
  }

  /** A ping bounded well inside the interval, so a dead database cannot stall sampling. */
  private async pingDatabase(): Promise<boolean> {
    const db = this.connection.db;
    if (this.connection.readyState !== ConnectionStates.connected || !db) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.min(2000, Math.max(50, this.intervalMs * 0.8)));
    });
    try {
      return await Promise.race([
        db.command({ ping: 1 }).then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
