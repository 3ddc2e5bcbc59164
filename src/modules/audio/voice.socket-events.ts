import type { WsErrorPayload } from '../../common/errors/app-error';
import type { AckCallback } from '../../common/websocket/ws-ack';
import type { AudioConfig } from './audio-config';

/** `JoinChannel` / `LeaveChannel`: a `user_id`, if sent, must be the caller's own. */
export interface VoiceChannelPayload {
  channel_id: string;
  user_id?: string;
}

/** `AudioData` from a client: `data` is binary or base64 text; `seq` and `timestamp` (sender clock, ms) are optional. */
export interface AudioDataIn {
  channel_id: string;
  data: Buffer | string;
  seq?: number | null;
  timestamp?: number | null;
}

/** `AudioData` to the channel's other members, in the encoding it came in. */
export interface AudioDataOut {
  user_id: string;
  channel_id: string;
  data: Buffer | string;
  seq: number | null;
  timestamp: number | null;
}

/** The acknowledgement of a join: the members, the joiner included, in joining order. */
export interface JoinedChannel {
  channel_id: string;
  members: string[];
}

/** Server→client voice events other than audio, on `/voice` and `/ws` alike. */
export interface VoiceEventMap {
  UserJoined: { user_id: string; channel_id: string };
  UserLeft: { user_id: string; channel_id: string };
  ChannelDeleted: { channel_id: string };
  AudioConfigChanged: { config: AudioConfig };
}
export type VoiceEvent = keyof VoiceEventMap;

/** Server→client events of namespace `/voice`. */
export type VoiceServerEvents = { [E in VoiceEvent]: (payload: VoiceEventMap[E]) => void } & {
  AudioData: (payload: AudioDataOut) => void;
  error: (payload: WsErrorPayload) => void;
};

/** Client→server events of namespace `/voice`. */
export interface VoiceClientEvents {
  JoinChannel: (payload: VoiceChannelPayload, ack?: AckCallback) => void;
  LeaveChannel: (payload: VoiceChannelPayload, ack?: AckCallback) => void;
  AudioData: (payload: AudioDataIn, ack?: AckCallback) => void;
}

/** Client→server JSON frames of `/ws` (`{type, …}`); audio may also come as a binary frame (ws-binary.ts). */
export interface WsVoiceClientMessages {
  JoinChannel: VoiceChannelPayload;
  LeaveChannel: VoiceChannelPayload;
  AudioData: AudioDataIn & { data: string };
}
export type WsVoiceClientMessage = keyof WsVoiceClientMessages;

/** Server→client JSON frames of `/ws` (`{type, …}`): the answers to joins and leaves, the voice events, errors. */
export type WsVoiceServerMessages = VoiceEventMap & {
  JoinedChannel: JoinedChannel;
  LeftChannel: { channel_id: string };
  AudioData: AudioDataOut & { data: string };
  Error: WsErrorPayload;
};
