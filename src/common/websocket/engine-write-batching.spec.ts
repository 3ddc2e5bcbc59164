import { Server, Socket } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { countWrites, listeningSocketIo } from '../../../test/utils/socket-io-server';
import { batchWrites, writeTogether } from './engine-write-batching';

describe('writeTogether', () => {
  let server: Server;
  let client: ClientSocket;
  let peer: Socket;

  beforeEach(async () => {
    let url: string;
    ({ server, url } = await listeningSocketIo());
    batchWrites(server);
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    client = io(url, { transports: ['websocket'] });
    peer = await accepted;
    // The connection's own first writes (the connect packet) are behind it.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterEach(async () => {
    client.close();
    await server.close();
  });

  /** Resolves with the first `count` `tick` events the client receives. */
  const ticks = (count: number) =>
    new Promise<unknown[]>((resolve) => {
      const received: unknown[] = [];
      client.on('tick', (tick: unknown) => {
        if (received.push(tick) === count) resolve(received);
      });
    });

  it('sends a burst of broadcasts to each connection in one write, in order', async () => {
    const writes = countWrites(peer);
    const received = ticks(20);
    writeTogether(server.sockets.sockets, () => {
      for (let n = 0; n < 20; n++) server.emit('tick', n);
    });
    expect(await received).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(writes()).toBe(1);
  });

  it('leaves a connection that is mid-write to send the burst with its next flush', async () => {
    const writes = countWrites(peer);
    const received = ticks(6);
    server.emit('tick', 'before');
    writeTogether(server.sockets.sockets, () => {
      for (let n = 0; n < 5; n++) server.emit('tick', `burst ${n}`);
    });
    expect(await received).toEqual(['before', 'burst 0', 'burst 1', 'burst 2', 'burst 3', 'burst 4']);
    expect(writes()).toBe(2);
  });
});
