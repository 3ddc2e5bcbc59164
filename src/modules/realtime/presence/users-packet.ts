import type { Socket } from 'socket.io';
import type { ConnectedUser } from '../../../contracts/socket-events';

/** Socket.IO's EVENT packet type (socket.io-parser's PacketType.EVENT). */
const SOCKET_IO_EVENT = 2;

/**
 * The `users` event, encoded once per list: the presence store hands out the same list until someone
 * comes or goes, so every newcomer in between gets the packet made for the first (as the adapter's
 * broadcasts do). A new list is mostly the users of the last one, which the store hands out as the same
 * objects: each user's JSON is kept with its object, and a new packet joins them inside the envelope
 * Socket.IO's encoder makes for an empty list. In a connect storm, where the list changes with every
 * newcomer, a connect then costs no serialization of up to PRESENCE_FULL_LIST_MAX users.
 */
export class UsersPacket {
  private list?: readonly ConnectedUser[];
  private parts: unknown[] = [];
  private readonly json = new WeakMap<ConnectedUser, string>();
  private envelope?: { nsp: string; head: string; tail: string };

  send(socket: Socket, users: readonly ConnectedUser[]): void {
    if (users !== this.list) {
      this.parts = [this.encode(socket, users)];
      this.list = users;
    }
    // `preEncoded`: written to the engine as is, like a broadcast's packets; `compress` as socket.emit sets it.
    socket.client._packet(this.parts as never, { preEncoded: true, compress: true });
  }

  private encode(socket: Socket, users: readonly ConnectedUser[]): string {
    const { head, tail } = this.envelopeOf(socket);
    let body = '';
    for (let i = 0; i < users.length; i++) {
      const user = users[i];
      let json = this.json.get(user);
      if (json === undefined) {
        json = JSON.stringify(user);
        this.json.set(user, json);
      }
      body += i === 0 ? json : `,${json}`;
    }
    return head + body + tail;
  }

  /** `2["users",[]]` for namespace `/`, split around the empty list. */
  private envelopeOf(socket: Socket): { head: string; tail: string } {
    const nsp = socket.nsp.name;
    if (this.envelope?.nsp !== nsp) {
      const [empty] = socket.nsp.server.encoder.encode({ type: SOCKET_IO_EVENT, nsp, data: ['users', []] }) as string[];
      this.envelope = { nsp, head: empty.slice(0, -2), tail: empty.slice(-2) };
    }
    return this.envelope;
  }
}
