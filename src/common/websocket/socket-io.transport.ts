import type { Server } from 'socket.io';
import type { PushEvent, PushEventMap, RealtimeTransport } from './realtime.publisher';
import { sessionRoom, userRoom } from './socket.types';

/**
 * The Socket.IO side of the publisher. Pushes go to namespace `/` (where clients
 * get user events and messages); disconnects reach every namespace (`/`, `/voice`, …). Room
 * operations go through the namespace adapter, so with the Redis adapter they
 * reach the sockets of every instance.
 */
export class SocketIoTransport implements RealtimeTransport {
  readonly name = 'socket.io';

  constructor(private readonly server: Server) {}

  toUser<E extends PushEvent>(userId: string, event: E, payload: PushEventMap[E]): void {
    this.server.to(userRoom(userId)).emit(event, payload);
  }

  toAll<E extends PushEvent>(event: E, payload: PushEventMap[E]): void {
    this.server.emit(event, payload);
  }

  disconnectSession(sessionId: string): void {
    this.disconnectRoom(sessionRoom(sessionId));
  }

  disconnectUser(userId: string): void {
    this.disconnectRoom(userRoom(userId));
  }

  private disconnectRoom(room: string): void {
    for (const namespace of this.server._nsps.values()) {
      namespace.in(room).disconnectSockets(true);
    }
  }
}
