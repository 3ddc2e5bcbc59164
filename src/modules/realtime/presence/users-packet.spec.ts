import { Server, Socket } from 'socket.io';
import type { ConnectedUser } from '../../../contracts/socket-events';
import { UsersPacket } from './users-packet';

describe('UsersPacket', () => {
  const server = new Server();
  const encode = (users: readonly ConnectedUser[]): unknown[] => server.encoder.encode({ type: 2, nsp: '/', data: ['users', users] }) as unknown[];

  /** A socket of namespace `/` that records the packets written to it. */
  function recordingSocket() {
    const written: unknown[] = [];
    const socket = { nsp: server.of('/'), client: { _packet: (parts: unknown) => written.push(parts) } } as unknown as Socket;
    return { socket, written };
  }

  it("is the packet Socket.IO's encoder makes of the list, whatever the names hold", () => {
    const { socket, written } = recordingSocket();
    const users = [
      { id: 'a', username: 'ann' },
      { id: 'b', username: 'b"o\\b\u2028ü' },
    ];
    const packet = new UsersPacket();
    packet.send(socket, users);
    packet.send(socket, []);

    expect(written).toEqual([encode(users), encode([])]);
  });

  it('follows a new list sharing objects with the last one, and a user whose object changed', () => {
    const { socket, written } = recordingSocket();
    const ann = { id: 'a', username: 'ann' };
    const bob = { id: 'b', username: 'bob' };
    const packet = new UsersPacket();
    packet.send(socket, [ann, bob]);
    packet.send(socket, [bob, { id: 'a', username: 'anna' }, { id: 'c', username: 'cy' }]);

    expect(written[1]).toEqual(encode([bob, { id: 'a', username: 'anna' }, { id: 'c', username: 'cy' }]));
  });

  it('gives every newcomer the same packet while the list stays the same', () => {
    const { socket, written } = recordingSocket();
    const users = [{ id: 'a', username: 'ann' }];
    const packet = new UsersPacket();
    packet.send(socket, users);
    packet.send(socket, users);

    expect(written[1]).toBe(written[0]);
  });
});
