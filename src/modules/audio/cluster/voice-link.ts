import type { AudioTotals } from '../stats/channel-audio-stats';
import type { VoiceEvent, VoiceEventMap } from '../voice.socket-events';
import type { AudioPacket } from '../voice.types';

/** What the voice service does with what other instances send. */
export interface VoiceLinkReceiver {
  /** A packet a member on another instance sent; `bytes` is its audio size (base64 text decoded). */
  remoteAudio(packet: AudioPacket, bytes: number, arrival: number): void;
  remoteEvent<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void;
}

/** Audio figures of the other instances: per channel, and over all channels. */
export interface RemoteAudioTotals {
  channel(channelId: string): Promise<AudioTotals[]>;
  all(): Promise<AudioTotals[]>;
}

/**
 * The voice service's link to the other instances sharing its channels. One
 * process has no other instances: `LocalVoiceLink` does nothing. With Redis,
 * `RedisVoiceLink` carries audio and channel events between instances.
 */
export abstract class VoiceLink implements RemoteAudioTotals {
  abstract bind(receiver: VoiceLinkReceiver, totals: () => { all: AudioTotals; channels: Map<string, AudioTotals> }): void;
  /** This instance has its first member in the channel: from when this resolves it hears the others. */
  abstract attach(channelId: string): Promise<void>;
  /** This instance's last member left the channel. */
  abstract detach(channelId: string): void;
  /** One packet to the channel's members on other instances: a single publish, whatever their number. */
  abstract publishAudio(packet: AudioPacket, bytes: number): void;
  /** A channel event to the channel's members on other instances. */
  abstract publishEvent<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void;
  abstract channel(channelId: string): Promise<AudioTotals[]>;
  abstract all(): Promise<AudioTotals[]>;
}

/** One process: nothing to link. */
export class LocalVoiceLink extends VoiceLink {
  bind(): void {}
  attach(): Promise<void> {
    return Promise.resolve();
  }
  detach(): void {}
  publishAudio(): void {}
  publishEvent(): void {}
  channel(): Promise<AudioTotals[]> {
    return Promise.resolve([]);
  }
  all(): Promise<AudioTotals[]> {
    return Promise.resolve([]);
  }
}
