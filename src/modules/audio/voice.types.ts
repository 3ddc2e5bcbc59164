import type { UserPrincipal } from '../../common/auth/principal';
import type { StreamStats } from './stats/stream-stats';
import type { VoiceEvent, VoiceEventMap } from './voice.socket-events';

export type VoiceTransportName = 'voice' | 'ws';

/** One client connection on /voice or /ws, as the voice service tracks it. */
export interface VoiceConnection {
  /** The transport's own id of the connection (the Socket.IO socket id, the /ws client id). */
  readonly id: string;
  readonly transport: VoiceTransportName;
  readonly principal: UserPrincipal;
  /** Channels this connection joined: the membership check of every AudioData, without a lookup elsewhere. */
  readonly channels: Map<string, StreamStats>;
  /** Smoothed round-trip time of the socket's pings (ms), null before the first pong. */
  rttMs: number | null;
}

/** One inbound audio packet on its way out. `data` keeps the encoding it came in. */
export interface AudioPacket {
  channelId: string;
  userId: string;
  data: Buffer | string;
  /** -1 when the sender gave none. */
  seq: number;
  /** NaN when the sender gave none. */
  timestamp: number;
}

/**
 * This instance's connections in one channel: the delivery index, derived
 * from the joins and leaves the channels module accepted.
 */
export interface ChannelConnections {
  readonly all: Set<VoiceConnection>;
  /** Connections per user, to count recipients without the sender's own. */
  readonly perUser: Map<string, number>;
  /** Connections per transport, so a transport with none in the channel is skipped. */
  readonly perTransport: Record<VoiceTransportName, number>;
  /** Bumped on every change, so a transport may cache what it derives from `all`. */
  version: number;
}

/**
 * A way of reaching voice clients. The voice service calls every registered
 * transport that has connections in the channel; each delivers to its own
 * connections only.
 */
export interface VoiceTransport {
  readonly name: VoiceTransportName;
  /** To the transport's connections in the channel, except those of `exceptUserId`. */
  toChannel<E extends VoiceEvent>(channel: ChannelConnections, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void;
  /**
   * The packet to every connection of the channel on this transport but the
   * sender's; returns how many of them it skipped because their outgoing
   * buffer was over its cap (deliveries lost, counted in the statistics).
   */
  relay(channel: ChannelConnections, packet: AudioPacket): number;
  toAll<E extends VoiceEvent>(event: E, payload: VoiceEventMap[E]): void;
  /** Sends a round-trip probe; the transport reports the answer with VoiceService.recordRtt. */
  ping(connection: VoiceConnection): void;
  disconnect(connection: VoiceConnection): void;
}
