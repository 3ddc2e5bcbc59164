import type { UserPrincipal } from '../../common/auth/principal';
import type { AudioConfig } from './audio-config';
import type { StreamStats } from './stats/stream-stats';

export type VoiceTransportName = 'voice' | 'ws';

/** Server→client voice events other than audio, by name (the SPEC's names, from seed 004). */
export interface VoiceEventMap {
  UserJoined: { user_id: string; channel_id: string };
  UserLeft: { user_id: string; channel_id: string };
  ChannelDeleted: { channel_id: string };
  AudioConfigChanged: { config: AudioConfig };
}
export type VoiceEvent = keyof VoiceEventMap;

/** One client connection on /voice or /ws, as the voice service tracks it. */
export interface VoiceConnection {
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
  /** The sender's binary /ws frame, when it came that way: its header is reused, its payload not copied twice. */
  frame?: Buffer;
}

/** Local connections of one channel. */
export interface ChannelConnections {
  readonly all: Set<VoiceConnection>;
  /** Connections per user, to count recipients without the sender's own. */
  readonly perUser: Map<string, number>;
  /** Connections per transport, so a transport with none in the channel is skipped. */
  readonly perTransport: Record<VoiceTransportName, number>;
}

/**
 * A way of reaching voice clients. The voice service calls every registered
 * transport; each delivers to its own connections only.
 */
export interface VoiceTransport {
  readonly name: VoiceTransportName;
  subscribe(connection: VoiceConnection, channelId: string): void;
  unsubscribe(connection: VoiceConnection, channelId: string): void;
  /** To the transport's connections in the channel, except those of `exceptUserId`. */
  toChannel<E extends VoiceEvent>(channel: ChannelConnections, channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void;
  /** The packet to every connection of the channel on this transport but the sender's. */
  relay(channel: ChannelConnections, packet: AudioPacket): void;
  toAll<E extends VoiceEvent>(event: E, payload: VoiceEventMap[E]): void;
  /** Sends a round-trip probe; the transport reports the answer with VoiceService.recordRtt. */
  ping(connection: VoiceConnection): void;
  disconnect(connection: VoiceConnection): void;
}
