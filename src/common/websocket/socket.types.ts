import type { DefaultEventsMap, Socket } from 'socket.io';
import type { UserPrincipal } from '../auth/principal';

/** What the handshake middleware stores on every authenticated socket. */
export interface SocketData {
  principal: UserPrincipal;
  /** Epoch milliseconds of the accepted handshake. */
  connectedAt: number;
}

/** A socket that passed the handshake: `socket.data.principal` is set. */
export type AuthenticatedSocket<ListenEvents extends object = DefaultEventsMap, EmitEvents extends object = DefaultEventsMap> = Socket<
  ListenEvents,
  EmitEvents,
  DefaultEventsMap,
  SocketData
>;

/** Every socket of a user joins this room, on every namespace. */
export const userRoom = (userId: string): string => `user:${userId}`;

/** Every socket of one session joins this room, so a logout disconnects exactly that session. */
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;

/** Socket.IO's `maxHttpBufferSize`: the 64 KB message limit clients are promised; larger messages close the socket. */
export const MAX_SOCKET_MESSAGE_BYTES = 64 * 1024;
