import type { Socket } from 'socket.io';
import type { ConnectedUser } from '../../../contracts/socket-events';

/** Socket.IO's EVENT packet type (socket.io-parser's PacketType.EVENT). */
const SOCKET_IO_EVENT = 2;

/**
 * The `users` event, encoded once per list: the presence store hands out the same list until someone
 * comes or goes, so every newcomer in between gets the packet Socket.IO's encoder made for the first
 * (as the adapter's broadcasts do), and a connect costs no serialization of up to PRESENCE_FULL_LIST_MAX users.
 */
export class UsersPacket {
  private list?: readonly ConnectedUser[];
  private parts: unknown[] = [];

  send(socket: Socket, users: readonly ConnectedUser[]): void {
    if (users !== this.list) {
      this.parts = socket.nsp.server.encoder.encode({ type: SOCKET_IO_EVENT, nsp: socket.nsp.name, data: ['users', users] }) as unknown[];
      this.list = users;
    }
    // `preEncoded`: written to the engine as is, like a broadcast's packets; `compress` as socket.emit sets it.
    socket.client._packet(this.parts as never, { preEncoded: true, compress: true });
  }
}
