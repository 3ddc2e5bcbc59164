import type { ConnectedUser, MessagePayload } from '../../contracts/socket-events';
import type { UserProfile } from '../users/user.presenter';
import type { UserScoreUpdatedEvent } from '../users/users.events';
import type { WsErrorPayload } from '../../common/errors/app-error';
import type { AckCallback } from '../../common/websocket/ws-ack';

/** Server→client events of namespace `/` (besides the signaling ones). */
export interface RealtimeServerEvents {
  users: (users: ConnectedUser[]) => void;
  userConnected: (user: ConnectedUser) => void;
  userDisconnected: (payload: { userId: string }) => void;
  registered: (payload: { userId: string }) => void;
  message: (payload: MessagePayload) => void;
  user_created: (payload: { user: UserProfile }) => void;
  user_deleted: (payload: { id: string }) => void;
  UPDATE_SCORE: (payload: UserScoreUpdatedEvent) => void;
  error: (payload: WsErrorPayload) => void;
}

/** Client→server events of namespace `/` (besides the signaling ones). */
export interface RealtimeClientEvents {
  /** A client announcing its user: the user id as a string, or `{userId}`; only one's own id is accepted. */
  register: (payload: unknown, ack?: AckCallback) => void;
}

declare module '../../common/websocket/realtime.publisher' {
  interface PushEventMap {
    message: MessagePayload;
    user_created: { user: UserProfile };
    user_deleted: { id: string };
    UPDATE_SCORE: UserScoreUpdatedEvent;
  }
}
