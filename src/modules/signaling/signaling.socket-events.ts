import type { ErrorCode } from '../../common/errors/error-codes';
import type { WsErrorPayload } from '../../common/errors/app-error';
import type { AckCallback } from '../../common/websocket/ws-ack';
import type { AnswerCallDto, CallUserDto, IceCandidateDto, SignalData, TargetUserDto } from './dto/signaling.dto';

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
  /** `busy` when the callee was already in a call. */
  reason?: 'busy';
}

export interface CallEndedPayload {
  from: string;
  /** `timeout` when nobody answered within the ring timeout. */
  reason?: 'timeout';
}

export interface IceCandidatePayload {
  from: string;
  candidate: Record<string, unknown>;
}

export interface CallErrorPayload {
  targetUserId: string;
  error_code: ErrorCode;
  message: string;
}

/** Server→client WebRTC signaling events. */
export interface SignalingServerEvents {
  incomingCall: (payload: IncomingCallPayload) => void;
  callAccepted: (payload: CallAcceptedPayload) => void;
  callRejected: (payload: CallRejectedPayload) => void;
  callEnded: (payload: CallEndedPayload) => void;
  iceCandidate: (payload: IceCandidatePayload) => void;
  callError: (payload: CallErrorPayload) => void;
  error: (payload: WsErrorPayload) => void;
}

/** Client→server WebRTC signaling events. */
export interface SignalingClientEvents {
  callUser: (payload: CallUserDto, ack?: AckCallback) => void;
  answerCall: (payload: AnswerCallDto, ack?: AckCallback) => void;
  rejectCall: (payload: TargetUserDto, ack?: AckCallback) => void;
  endCall: (payload: TargetUserDto, ack?: AckCallback) => void;
  iceCandidate: (payload: IceCandidateDto, ack?: AckCallback) => void;
}

declare module '../../common/websocket/realtime.publisher' {
  interface PushEventMap {
    incomingCall: IncomingCallPayload;
    callAccepted: CallAcceptedPayload;
    callRejected: CallRejectedPayload;
    callEnded: CallEndedPayload;
    iceCandidate: IceCandidatePayload;
  }
}
