import { MetricsSources } from './metrics-sources.service';
import type { AudioMetricsSnapshot } from './metrics.types';

const audio: AudioMetricsSnapshot = {
  active_channels: 2,
  active_users: 3,
  active_streams: 1,
  packets_received: 10,
  packets_sent: 20,
  bytes_transferred: 3000,
  average_latency_ms: 12.5,
  packet_loss_rate: 0.01,
  jitter_ms: 1.5,
  audio_quality_score: 0.9,
};

describe('MetricsSources', () => {
  let sources: MetricsSources;

  beforeEach(() => {
    sources = new MetricsSources();
  });

  it('reads zeros and nulls before any module has registered', async () => {
    expect(sources.audio()).toEqual({
      active_channels: 0,
      active_users: 0,
      active_streams: 0,
      packets_received: 0,
      packets_sent: 0,
      bytes_transferred: 0,
      average_latency_ms: null,
      packet_loss_rate: null,
      jitter_ms: null,
      audio_quality_score: null,
    });
    expect(sources.presence()).toEqual({ connected_users: 0, connections: 0 });
    await expect(sources.channels()).resolves.toEqual({ total_channels: 0, active_channels: 0 });
    expect(sources.audioLatencyTargetMs()).toBeNull();
    await expect(sources.audioByChannelType()).resolves.toEqual([]);
    await expect(sources.activeCalls()).resolves.toBeNull();
  });

  it('reads each registered source at the moment it is asked, not at registration', async () => {
    let target = 50;
    let connections = 1;
    sources.registerAudioSource(() => audio);
    sources.registerPresenceSource(() => ({ connected_users: 1, connections }));
    sources.registerChannelSource(() => Promise.resolve({ total_channels: 4, active_channels: 1 }));
    sources.registerAudioLatencyTarget(() => target);

    target = 80;
    connections = 3;

    expect(sources.audio()).toBe(audio);
    expect(sources.presence()).toEqual({ connected_users: 1, connections: 3 });
    await expect(sources.channels()).resolves.toEqual({ total_channels: 4, active_channels: 1 });
    expect(sources.audioLatencyTargetMs()).toBe(80);
  });

  it('refuses a second owner for a source, keeping the first', async () => {
    sources.registerChannelSource(() => Promise.resolve({ total_channels: 4, active_channels: 1 }));
    expect(() => sources.registerChannelSource(() => Promise.resolve({ total_channels: 9, active_channels: 9 }))).toThrow(
      'The channel metrics source is already registered; each source has one owning module',
    );
    await expect(sources.channels()).resolves.toEqual({ total_channels: 4, active_channels: 1 });

    sources.registerAudioSource(() => audio);
    expect(() => sources.registerAudioSource(() => audio)).toThrow('The audio metrics source is already registered');
    sources.registerPresenceSource(() => ({ connected_users: 0, connections: 0 }));
    expect(() => sources.registerPresenceSource(() => ({ connected_users: 0, connections: 0 }))).toThrow('The presence metrics source is already registered');
    sources.registerAudioLatencyTarget(() => 50);
    expect(() => sources.registerAudioLatencyTarget(() => 60)).toThrow('The audio latency target metrics source is already registered');
    expect(sources.audioLatencyTargetMs()).toBe(50);
    sources.registerCallSource(() => Promise.resolve(2));
    expect(() => sources.registerCallSource(() => Promise.resolve(3))).toThrow('The call metrics source is already registered');
    await expect(sources.activeCalls()).resolves.toBe(2);
    sources.registerAudioByChannelTypeSource(() => Promise.resolve([]));
    expect(() => sources.registerAudioByChannelTypeSource(() => Promise.resolve([]))).toThrow('The audio by channel type metrics source is already registered');
  });
});
