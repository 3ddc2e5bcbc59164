/**
 * The console's own typings of the public HTTP API and Socket.IO events it uses.
 * Event maps are type literals, not interfaces, so that they fit Socket.IO's index-signature event maps.
 */

export interface User {
  id: string;
  username: string;
  email?: string | null;
  display_name?: string;
  role: 'user' | 'admin';
}

export interface LoginResponse {
  token: string;
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

export interface RefreshResponse {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** The error body of every failed request. */
export interface ApiErrorBody {
  statusCode: number;
  error_code: string;
  message: string;
  details?: unknown[];
}

export interface ConnectedUser {
  id: string;
  username: string;
}

export interface MessagePayload {
  from: string;
  message: string;
  sent_at: string;
}

export type SignalData = RTCSessionDescriptionInit;

export interface WsError {
  error_code: string;
  message: string;
}

export type Ack<T extends object = object> = ({ ok: true } & T) | ({ ok: false } & WsError);

/** Server→client events of namespace `/`. */
export type RootServerEvents = {
  users: (users: ConnectedUser[]) => void;
  userConnected: (user: ConnectedUser) => void;
  userDisconnected: (payload: { userId: string }) => void;
  message: (payload: MessagePayload) => void;
  incomingCall: (payload: { from: string; username: string; signalData: SignalData }) => void;
  callAccepted: (payload: { from: string; signalData: SignalData }) => void;
  callRejected: (payload: { from: string; reason?: string }) => void;
  callEnded: (payload: { from: string; reason?: string }) => void;
  iceCandidate: (payload: { from: string; candidate: RTCIceCandidateInit }) => void;
  callError: (payload: { targetUserId: string; error_code: string; message: string }) => void;
  error: (payload: WsError) => void;
};

/** Client→server events of namespace `/`. */
export type RootClientEvents = {
  callUser: (payload: { targetUserId: string; signalData: SignalData }, ack: (response: Ack<{ status?: string }>) => void) => void;
  answerCall: (payload: { targetUserId: string; signalData: SignalData }, ack: (response: Ack) => void) => void;
  rejectCall: (payload: { targetUserId: string }, ack: (response: Ack) => void) => void;
  endCall: (payload: { targetUserId: string }, ack: (response: Ack) => void) => void;
  iceCandidate: (payload: { targetUserId: string; candidate: RTCIceCandidateInit }, ack: (response: Ack) => void) => void;
};

export interface AudioDataOut {
  user_id: string;
  channel_id: string;
  data: ArrayBuffer | string;
  seq: number | null;
  timestamp: number | null;
}

/** Server→client events of namespace `/voice`. */
export type VoiceServerEvents = {
  UserJoined: (payload: { user_id: string; channel_id: string }) => void;
  UserLeft: (payload: { user_id: string; channel_id: string }) => void;
  ChannelDeleted: (payload: { channel_id: string }) => void;
  AudioConfigChanged: (payload: { config: AudioConfig }) => void;
  AudioData: (payload: AudioDataOut) => void;
  error: (payload: WsError) => void;
};

/** Client→server events of namespace `/voice`. */
export type VoiceClientEvents = {
  JoinChannel: (payload: { channel_id: string }, ack: (response: Ack<{ channel_id: string; members: string[] }>) => void) => void;
  LeaveChannel: (payload: { channel_id: string }, ack: (response: Ack) => void) => void;
  AudioData: (payload: { channel_id: string; data: ArrayBuffer; seq: number; timestamp: number }) => void;
};

export interface AudioConfig {
  sample_rate: number;
  channels: number;
  codec: 'opus' | 'pcm';
  frame_duration_ms: number;
  max_packet_bytes: number;
  latency_target_ms: number;
}

export interface Channel {
  id: string;
  name: string;
  description: string;
  max_users: number;
  is_private: boolean;
  current_users: number;
}

export interface ChannelAudioStats {
  packets_sent: number;
  packets_received: number;
  average_latency_ms: number | null;
  packet_loss_rate: number | null;
  audio_quality_score: number | null;
  jitter_ms: number | null;
}

export interface MetricsSnapshot {
  timestamp: number;
  audio_metrics: { active_users: number; packet_loss_percentage: number | null; jitter_ms: number | null };
  performance_metrics: { cpu_usage_percent: number; memory_usage_mb: number; event_loop_delay_ms: number | null };
  network_metrics: { packets_received_per_second: number; packets_sent_per_second: number; connection_count: number };
}

export interface MetricsHistory {
  interval_ms: number;
  count: number;
  samples: MetricsSnapshot[];
}

export interface Alert {
  id: string;
  rule: string;
  component: string;
  severity: 'info' | 'warning' | 'error' | 'critical';
  message: string;
  value: number;
  threshold: number;
  raised_at: string;
  active: boolean;
}
