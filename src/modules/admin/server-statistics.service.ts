import { Injectable } from '@nestjs/common';
import { MetricsRecorder } from '../metrics/metrics-recorder.service';
import { MetricsService } from '../metrics/metrics.service';
import { round } from '../metrics/metrics.sample';
import { UsersService } from '../users/users.service';

const MB = 1024 * 1024;

/** Seed 004's `GET /api/advanced/statistics/server`; each figure from the module that owns it. */
@Injectable()
export class ServerStatisticsService {
  constructor(
    private readonly users: UsersService,
    private readonly recorder: MetricsRecorder,
    private readonly metrics: MetricsService,
  ) {}

  async server() {
    const [totalUsers, channels, sample] = await Promise.all([this.users.countAll(), this.recorder.channels(), this.metrics.latest()]);
    const presence = this.recorder.presence();
    const audio = this.recorder.audio();
    return {
      total_users: totalUsers,
      active_users: presence.connected_users,
      total_channels: channels.total_channels,
      active_channels: channels.active_channels,
      uptime_seconds: Math.floor(process.uptime()),
      total_audio_packets: audio.packets_received,
      total_data_transferred_mb: round(audio.bytes_transferred / MB, 3),
      system_stats: {
        cpu_usage_percent: sample.cpu_usage_percent,
        memory_usage_mb: sample.memory_rss_mb,
        // Audio relay traffic, both directions, over the last sampling interval.
        network_throughput_mbps: round(((sample.bytes_received_per_second + sample.bytes_sent_per_second) * 8) / 1e6, 3),
        active_connections: presence.connections,
      },
    };
  }
}
