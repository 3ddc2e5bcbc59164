import { Injectable } from '@nestjs/common';
import {
  AudioByChannelTypeSource,
  AudioMetricsSnapshot,
  AudioSource,
  CallSource,
  ChannelClassAudio,
  ChannelSnapshot,
  ChannelSource,
  EMPTY_AUDIO,
  EMPTY_CHANNELS,
  EMPTY_PRESENCE,
  PresenceSnapshot,
  PresenceSource,
} from './metrics.types';

/**
 * Where feature modules offer the figures they own (audio, presence, channels,
 * the audio latency target) and where the collector, health and admin
 * statistics read them, so metrics never imports a feature module. Each source
 * has one owning module: a second registration is a wiring bug, refused at boot.
 * Read per sample and per statistics request, never on a hot path.
 */
@Injectable()
export class MetricsSources {
  private audioSource: AudioSource | null = null;
  private presenceSource: PresenceSource | null = null;
  private channelSource: ChannelSource | null = null;
  private audioLatencyTargetSource: (() => number) | null = null;
  private audioByChannelTypeSource: AudioByChannelTypeSource | null = null;
  private callSource: CallSource | null = null;

  registerAudioSource(source: AudioSource): void {
    this.audioSource = claim(this.audioSource, source, 'audio');
  }

  registerPresenceSource(source: PresenceSource): void {
    this.presenceSource = claim(this.presenceSource, source, 'presence');
  }

  registerChannelSource(source: ChannelSource): void {
    this.channelSource = claim(this.channelSource, source, 'channel');
  }

  /** The audio config's `latency_target_ms`, against which the latency alert is raised. */
  registerAudioLatencyTarget(source: () => number): void {
    this.audioLatencyTargetSource = claim(this.audioLatencyTargetSource, source, 'audio latency target');
  }

  registerAudioByChannelTypeSource(source: AudioByChannelTypeSource): void {
    this.audioByChannelTypeSource = claim(this.audioByChannelTypeSource, source, 'audio by channel type');
  }

  registerCallSource(source: CallSource): void {
    this.callSource = claim(this.callSource, source, 'call');
  }

  /** A source not registered yet (its module absent or still starting) reads as zeros / nulls. */
  audio(): AudioMetricsSnapshot {
    return this.audioSource ? this.audioSource() : EMPTY_AUDIO;
  }

  presence(): PresenceSnapshot {
    return this.presenceSource ? this.presenceSource() : EMPTY_PRESENCE;
  }

  channels(): Promise<ChannelSnapshot> {
    return this.channelSource ? this.channelSource() : Promise.resolve(EMPTY_CHANNELS);
  }

  /** No entries until the audio module registers. */
  audioByChannelType(): Promise<ChannelClassAudio[]> {
    return this.audioByChannelTypeSource ? this.audioByChannelTypeSource() : Promise.resolve([]);
  }

  /** null until the signaling module registers. */
  activeCalls(): Promise<number | null> {
    return this.callSource ? this.callSource() : Promise.resolve(null);
  }

  /** null until the audio module registers its config. */
  audioLatencyTargetMs(): number | null {
    return this.audioLatencyTargetSource ? this.audioLatencyTargetSource() : null;
  }
}

function claim<T>(current: T | null, source: T, name: string): T {
  if (current !== null) throw new Error(`The ${name} metrics source is already registered; each source has one owning module`);
  return source;
}
