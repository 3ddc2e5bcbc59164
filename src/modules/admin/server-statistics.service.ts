import { Injectable } from '@nestjs/common';
import { VoiceService } from '../audio/voice.service';
import { MetricsSources } from '../metrics/metrics-sources.service';
import { MetricsService } from '../metrics/metrics.service';
import { round } from '../metrics/metrics.sample';
import { PresenceService } from '../realtime/presence/presence.service';
import { UsersService } from '../users/users.service';

const MB = 1024 * 1024;

/** `GET /api/advanced/statistics/server`: server-wide totals, each figure from the module that owns it. */
@Injectable()
export class ServerStatisticsService {
  constructor(
    private readonly users: UsersService,
    private readonly sources: MetricsSources,
    private readonly metrics: MetricsService,
    private readonly voice: VoiceService,
    private readonly presence: PresenceService,
  ) {}

  async server() {
    const [totalUsers, channels, sample, audio, connectedUsers, connections] = await Promise.all([
      this.users.countAll(),
      this.sources.channels(),
      this.metrics.latest(),
      // Audio of every instance: the cluster's packets and bytes, not only this process's.
      this.voice.clusterSummary(),
      // Presence of every instance: users and sockets connected anywhere in the cluster.
      this.presence.users(),
      this.presence.totalConnections(),
    ]);
    return {
      total_users: totalUsers,
      active_users: connectedUsers.length,
      total_channels: channels.total_channels,
      active_channels: channels.active_channels,
      uptime_seconds: Math.floor(process.uptime()),
      total_audio_packets: audio.packets_received,
      total_data_transferred_mb: round(audio.bytes_transferred / MB, 3),
      system_stats: {
        // The CpuSampler's figure as of the sample: the one /api/metrics/current and channel statistics report.
        cpu_usage_percent: sample.cpu_usage_percent,
        memory_usage_mb: sample.memory_rss_mb,
        // Audio relay traffic, both directions, over the last sampling interval.
        network_throughput_mbps: round(((sample.bytes_received_per_second + sample.bytes_sent_per_second) * 8) / 1e6, 3),
        active_connections: connections,
      },
    };
  }
}
