/** What the voice module reports about audio; read at each sample and for server statistics. */
export interface AudioMetricsSnapshot {
  active_channels: number;
  active_users: number;
  active_streams: number;
  packets_received: number;
  packets_sent: number;
  bytes_transferred: number;
  average_latency_ms: number | null;
  /** 0..1 */
  packet_loss_rate: number | null;
  jitter_ms: number | null;
  /** 0..1 */
  audio_quality_score: number | null;
}

/** What the realtime module reports about presence (this instance's view). */
export interface PresenceSnapshot {
  connected_users: number;
  connections: number;
}

/** What the channels module reports; asynchronous because it may count documents. */
export interface ChannelSnapshot {
  total_channels: number;
  active_channels: number;
}

/** Audio figures of the channels of one class (`channel_type`) on this instance; null where nothing was measured. */
export interface ChannelClassAudio {
  channel_type: string;
  /** 0..1 */
  packet_loss_rate: number | null;
  jitter_ms: number | null;
  /** 0..1 */
  audio_quality_score: number | null;
}

export type AudioSource = () => AudioMetricsSnapshot;
/** One entry per channel type, with or without data. */
export type AudioByChannelTypeSource = () => Promise<ChannelClassAudio[]>;
/** Calls ringing or connected (over the cluster when calls are shared through Redis). */
export type CallSource = () => Promise<number>;
export type PresenceSource = () => PresenceSnapshot;
export type ChannelSource = () => Promise<ChannelSnapshot>;

export const EMPTY_AUDIO: Readonly<AudioMetricsSnapshot> = Object.freeze({
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

export const EMPTY_PRESENCE: Readonly<PresenceSnapshot> = Object.freeze({ connected_users: 0, connections: 0 });
export const EMPTY_CHANNELS: Readonly<ChannelSnapshot> = Object.freeze({ total_channels: 0, active_channels: 0 });
