/**
 * The realtime contract as plain TypeScript: no decorators, no imports, so a client can copy this file or import it
 * and type its Socket.IO client:
 *
 *   const root = io<RootServerToClientEvents, RootClientToServerEvents>(url, { auth: { token } });
 *   const voice = io<VoiceServerToClientEvents, VoiceClientToServerEvents>(`${url}/voice`, { auth: { token } });
 *
 * docs/asyncapi.yaml describes the same events; test/types/socket-contracts.ts checks these types against the
 * server's own event maps, so they cannot drift apart silently.
 */

/** The catalogue codes an error may carry (the OpenAPI document's `ErrorCode`). */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'UNAUTHORIZED'
  | 'TOKEN_EXPIRED'
  | 'PERMISSION_DENIED'
  | 'INVITATION_INVALID'
  | 'NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'CHANNEL_NOT_FOUND'
  | 'USER_NOT_CONNECTED'
  | 'TIMEOUT'
  | 'USERNAME_TAKEN'
  | 'EMAIL_TAKEN'
  | 'CHANNEL_FULL'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE';

export interface ErrorDetail {
  field: string;
  rule: string;
  message: string;
}

/** The `error` event (and `/ws` `Error` frame) of a client event that failed without an ack callback. */
export interface ErrorPayload {
  error_code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/** What the server answers through an ack callback: `{ok: true, …}` or `{ok: false, error_code, message}`. */
export type Ack<T extends object = Record<never, never>> = ({ ok: true } & T) | ({ ok: false } & ErrorPayload);
export type AckCallback<T extends object = Record<never, never>> = (response: Ack<T>) => void;

/** A user as the REST API and `user_created` show it. */
export interface User {
  id: string;
  username: string;
  /** Only for the user themself, admins and the service: absent for anyone else and in `user_created`. */
  email?: string | null;
  display_name: string;
  score: number;
  role: 'user' | 'admin';
  is_active: boolean;
  created_at: string;
  last_login: string | null;
}

// ---- namespace `/`: presence, messages, account events, WebRTC signaling ----

export interface ConnectedUser {
  id: string;
  username: string;
}

export interface MessagePayload {
  /** The sender's user id, or `"service"` for a back-end service. */
  from: string;
  message: string;
  /** ISO 8601 */
  sent_at: string;
}

export interface ScoreUpdatedPayload {
  id: string;
  username: string;
  score: number;
  increment: number;
}

/** WebRTC session descriptions and candidates: opaque to the service, relayed as they are. */
export type SignalData = Record<string, unknown>;

export interface CallUserPayload {
  targetUserId: string;
  signalData: SignalData;
}
export type AnswerCallPayload = CallUserPayload;
export interface TargetUserPayload {
  targetUserId: string;
}
export interface IceCandidateInPayload {
  targetUserId: string;
  candidate: Record<string, unknown>;
}

export interface IncomingCallPayload {
  from: string;
  username: string;
  signalData: SignalData;
}
export interface CallAcceptedPayload {
  from: string;
  signalData: SignalData;
}
export interface CallRejectedPayload {
  from: string;
  reason?: 'busy';
}
export interface CallEndedPayload {
  from: string;
  reason?: 'timeout';
}
export interface IceCandidateOutPayload {
  from: string;
  candidate: Record<string, unknown>;
}
export interface CallErrorPayload {
  targetUserId: string;
  error_code: ErrorCode;
  message: string;
}

export interface RootServerToClientEvents {
  users: (users: ConnectedUser[]) => void;
  userConnected: (user: ConnectedUser) => void;
  userDisconnected: (payload: { userId: string }) => void;
  registered: (payload: { userId: string }) => void;
  message: (payload: MessagePayload) => void;
  user_created: (payload: { user: User }) => void;
  user_deleted: (payload: { id: string }) => void;
  UPDATE_SCORE: (payload: ScoreUpdatedPayload) => void;
  incomingCall: (payload: IncomingCallPayload) => void;
  callAccepted: (payload: CallAcceptedPayload) => void;
  callRejected: (payload: CallRejectedPayload) => void;
  callEnded: (payload: CallEndedPayload) => void;
  iceCandidate: (payload: IceCandidateOutPayload) => void;
  callError: (payload: CallErrorPayload) => void;
  error: (payload: ErrorPayload) => void;
}

export interface RootClientToServerEvents {
  /** One's own user id, as a string or `{userId}`. */
  register: (payload: string | { userId: string }, ack?: AckCallback<{ userId: string }>) => void;
  callUser: (payload: CallUserPayload, ack?: AckCallback<{ status: 'ringing' | 'busy' }>) => void;
  answerCall: (payload: AnswerCallPayload, ack?: AckCallback) => void;
  rejectCall: (payload: TargetUserPayload, ack?: AckCallback) => void;
  endCall: (payload: TargetUserPayload, ack?: AckCallback) => void;
  iceCandidate: (payload: IceCandidateInPayload, ack?: AckCallback) => void;
}

// ---- namespace `/voice` ----

/** Audio bytes: binary (an ArrayBuffer in browsers, a Buffer in Node) or base64 text. */
export type AudioBytes = ArrayBuffer | Uint8Array | string;

export interface AudioConfig {
  sample_rate: number;
  channels: number;
  bit_depth: number;
  buffer_size: number;
  latency_target_ms: number;
  codec: 'opus' | 'pcm';
  frame_duration_ms: number;
  max_packet_bytes: number;
}

export interface VoiceChannelPayload {
  channel_id: string;
  /** If sent, must be the caller's own id. */
  user_id?: string;
}

export interface AudioDataInPayload {
  channel_id: string;
  data: AudioBytes;
  /** Sequence number; gaps count as loss. */
  seq?: number | null;
  /** Sender clock, ms; used for latency and jitter. */
  timestamp?: number | null;
}

export interface AudioDataOutPayload {
  user_id: string;
  channel_id: string;
  data: AudioBytes;
  seq: number | null;
  timestamp: number | null;
}

export interface ChannelMemberPayload {
  user_id: string;
  channel_id: string;
}
export type UserJoinedPayload = ChannelMemberPayload;
export type UserLeftPayload = ChannelMemberPayload;

export interface JoinedChannel {
  channel_id: string;
  /** Member user ids, the joiner included, in joining order. */
  members: string[];
}

export interface VoiceServerToClientEvents {
  UserJoined: (payload: ChannelMemberPayload) => void;
  UserLeft: (payload: ChannelMemberPayload) => void;
  ChannelDeleted: (payload: { channel_id: string }) => void;
  AudioConfigChanged: (payload: { config: AudioConfig }) => void;
  AudioData: (payload: AudioDataOutPayload) => void;
  error: (payload: ErrorPayload) => void;
}

export interface VoiceClientToServerEvents {
  JoinChannel: (payload: VoiceChannelPayload, ack?: AckCallback<JoinedChannel>) => void;
  LeaveChannel: (payload: VoiceChannelPayload, ack?: AckCallback<{ channel_id: string }>) => void;
  AudioData: (payload: AudioDataInPayload, ack?: AckCallback) => void;
}

// ---- plain WebSocket `/ws`: JSON text frames `{type, …}` (binary audio frames: docs/asyncapi.yaml) ----

export type WsClientFrame =
  | ({ type: 'JoinChannel' } & VoiceChannelPayload)
  | ({ type: 'LeaveChannel' } & VoiceChannelPayload)
  | ({ type: 'AudioData' } & AudioDataInPayload & { data: string });

export type WsServerFrame =
  | ({ type: 'JoinedChannel' } & JoinedChannel)
  | { type: 'LeftChannel'; channel_id: string }
  | ({ type: 'UserJoined' } & ChannelMemberPayload)
  | ({ type: 'UserLeft' } & ChannelMemberPayload)
  | { type: 'ChannelDeleted'; channel_id: string }
  | { type: 'AudioConfigChanged'; config: AudioConfig }
  | ({ type: 'AudioData' } & AudioDataOutPayload & { data: string })
  | ({ type: 'Error' } & ErrorPayload)
  | ({ type: 'message' } & MessagePayload)
  | { type: 'user_created'; user: User }
  | { type: 'user_deleted'; id: string }
  | ({ type: 'UPDATE_SCORE' } & ScoreUpdatedPayload);

/** Every event name per namespace and side, for tools that check coverage (the AsyncAPI test does). */
export const SOCKET_EVENT_NAMES = {
  root: {
    serverToClient: [
      'users',
      'userConnected',
      'userDisconnected',
      'registered',
      'message',
      'user_created',
      'user_deleted',
      'UPDATE_SCORE',
      'incomingCall',
      'callAccepted',
      'callRejected',
      'callEnded',
      'iceCandidate',
      'callError',
      'error',
    ],
    clientToServer: ['register', 'callUser', 'answerCall', 'rejectCall', 'endCall', 'iceCandidate'],
  },
  voice: {
    serverToClient: ['UserJoined', 'UserLeft', 'ChannelDeleted', 'AudioConfigChanged', 'AudioData', 'error'],
    clientToServer: ['JoinChannel', 'LeaveChannel', 'AudioData'],
  },
  ws: {
    serverToClient: [
      'JoinedChannel',
      'LeftChannel',
      'UserJoined',
      'UserLeft',
      'ChannelDeleted',
      'AudioConfigChanged',
      'AudioData',
      'Error',
      'message',
      'user_created',
      'user_deleted',
      'UPDATE_SCORE',
    ],
    clientToServer: ['JoinChannel', 'LeaveChannel', 'AudioData'],
  },
} as const satisfies {
  root: { serverToClient: (keyof RootServerToClientEvents)[]; clientToServer: (keyof RootClientToServerEvents)[] };
  voice: { serverToClient: (keyof VoiceServerToClientEvents)[]; clientToServer: (keyof VoiceClientToServerEvents)[] };
  ws: { serverToClient: WsServerFrame['type'][]; clientToServer: WsClientFrame['type'][] };
};
