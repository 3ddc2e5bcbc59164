import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { InstanceIdentity } from '../../common/redis/instance-identity';
import { MetricsCollector } from './metrics-collector.service';
import { METRIC_PREFIX, MetricsRecorder } from './metrics-recorder.service';
import { MetricsSources } from './metrics-sources.service';
import type { ChannelClassAudio } from './metrics.types';

/**
 * Gauges read from the modules' own figures when Prometheus scrapes (collect callbacks), so the hot paths do
 * nothing for them. A figure without data yet (no audio) is NaN, Prometheus's "no value": comparisons in alert
 * rules are false for it and graphs show a gap, where a 0 would read as a perfect (or a terrible) measurement.
 */
@Injectable()
export class PrometheusGauges implements OnModuleInit {
  constructor(
    private readonly recorder: MetricsRecorder,
    private readonly sources: MetricsSources,
    private readonly identity: InstanceIdentity,
    private readonly collector: MetricsCollector,
  ) {}

  onModuleInit(): void {
    const registers = [this.recorder.registry];
    const sources = this.sources;
    const collector = this.collector;
    const gauge = (name: string, help: string, read: () => number | null | Promise<number | null>) =>
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers,
        async collect() {
          const value = await read();
          this.set(value ?? Number.NaN);
        },
      });

    new Gauge({
      name: `${METRIC_PREFIX}instance_info`,
      help: 'This instance (value 1), to tell instances apart behind one job',
      labelNames: ['instance'],
      registers,
    })
      .labels(this.identity.id)
      .set(1);

    gauge('connected_users', 'Users with at least one socket on namespace / of this instance', () => sources.presence().connected_users);
    gauge('channels', 'Channels that exist', async () => (await sources.channels()).total_channels);
    gauge('channels_active', 'Channels with at least one member', async () => (await sources.channels()).active_channels);
    gauge('channel_members', 'Users in a voice channel on this instance', () => sources.audio().active_users);
    gauge('audio_streams_active', 'Senders whose audio arrived recently', () => sources.audio().active_streams);
    gauge('audio_packet_loss_ratio', 'Audio packet loss over recent packets, 0..1 (sequence gaps)', () => sources.audio().packet_loss_rate);
    gauge('audio_jitter_seconds', 'RFC 3550 interarrival jitter, mean over active streams', () => seconds(sources.audio().jitter_ms));
    gauge('audio_latency_seconds', 'Mean one-way audio latency from sender timestamps', () => seconds(sources.audio().average_latency_ms));
    gauge('audio_latency_target_seconds', 'The audio config latency target, which the latency alert compares against', () =>
      seconds(sources.audioLatencyTargetMs()),
    );
    gauge('database_up', 'Whether the last metrics sample reached the database (1) or not (0)', () => {
      const sample = collector.latest();
      return sample === null ? null : Number(sample.database_up);
    });
    gauge('audio_quality_score', 'Audio quality 0..1 from latency, jitter and loss (E-model, docs/audio-stats.md)', () => sources.audio().audio_quality_score);
    gauge('calls_active', 'Calls ringing or connected', () => sources.activeCalls());

    // Every channel type is labelled, NaN while its channels carry no audio.
    const typeGauge = (name: string, help: string, read: (audio: ChannelClassAudio) => number | null) =>
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        labelNames: ['channel_type'],
        registers,
        async collect() {
          this.reset();
          for (const audio of await sources.audioByChannelType()) this.labels(audio.channel_type).set(read(audio) ?? Number.NaN);
        },
      });
    typeGauge('channel_audio_packet_loss_ratio', 'Audio packet loss per channel type, 0..1', (audio) => audio.packet_loss_rate);
    typeGauge('channel_audio_jitter_seconds', 'RFC 3550 interarrival jitter per channel type, mean over its streams', (audio) => seconds(audio.jitter_ms));
    typeGauge('channel_audio_quality_score', 'Audio quality 0..1 per channel type (E-model)', (audio) => audio.audio_quality_score);
  }
}

const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
