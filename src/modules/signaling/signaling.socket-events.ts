import type {
  CallAcceptedPayload,
  CallEndedPayload,
  CallErrorPayload,
  CallRejectedPayload,
  IceCandidateOutPayload,
  IncomingCallPayload,
} from '../../contracts/socket-events';
import type { WsErrorPayload } from '../../common/errors/app-error';
import type { AckCallback } from '../../common/websocket/ws-ack';
import type { AnswerCallDto, CallUserDto, IceCandidateDto, TargetUserDto } from './dto/signaling.dto';

/** Server→client WebRTC signaling events. */
export interface SignalingServerEvents {
  incomingCall: (payload: IncomingCallPayload) => void;
  callAccepted: (payload: CallAcceptedPayload) => void;
  callRejected: (payload: CallRejectedPayload) => void;
  callEnded: (payload: CallEndedPayload) => void;
  iceCandidate: (payload: IceCandidateOutPayload) => void;
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
    iceCandidate: IceCandidateOutPayload;
  }
}
