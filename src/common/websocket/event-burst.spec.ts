import type { Socket as TcpSocket } from 'node:net';
import { Server, Socket } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { countWrites, listeningSocketIo } from '../../../test/utils/socket-io-server';
import { backlogOf } from './engine-backlog';
import { BurstEvent, sendBurst } from './event-burst';

/** Every event a client receives, as [event, payload], in order. */
function recorded(client: ClientSocket): [string, unknown][] {
  const received: [string, unknown][] = [];
  client.onAny((event: string, payload: unknown) => received.push([event, payload]));
  return received;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('sendBurst', () => {
  let server: Server;
  let url: string;
  const clients: ClientSocket[] = [];

  beforeEach(async () => {
    ({ server, url } = await listeningSocketIo());
    server.on('connection', (socket) => void socket.join(String(socket.handshake.auth.room)));
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
  });

  /** A connected client in `room`, with the server's socket for it. */
  async function connect(room: string, transport: 'websocket' | 'polling'): Promise<{ client: ClientSocket; peer: Socket }> {
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = io(url, { transports: [transport], auth: { room } });
    clients.push(client);
    const peer = await accepted;
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    // The connection's own first writes (the connect packet) are behind it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { client, peer };
  }

  const burst: BurstEvent[] = [
    { event: 'userConnected', payload: { id: 'a', username: 'ann' }, exceptRoom: 'user:a' },
    { event: 'userDisconnected', payload: { userId: 'c' } },
    { event: 'userConnected', payload: { id: 'b', username: 'bob' }, exceptRoom: 'user:b' },
  ];

  it('gives every socket the events in order, less those its rooms are excepted from, as broadcasts would', async () => {
    const ann = await connect('user:a', 'websocket');
    const bob = await connect('user:b', 'polling');
    const dan = await connect('user:d', 'websocket');
    const received = [ann, bob, dan].map(({ client }) => recorded(client));

    sendBurst(server.sockets, burst);
    await until(() => received[0].length === 2 && received[1].length === 2 && received[2].length === 3);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(received[0]).toEqual([
      ['userDisconnected', { userId: 'c' }],
      ['userConnected', { id: 'b', username: 'bob' }],
    ]);
    expect(received[1]).toEqual([
      ['userConnected', { id: 'a', username: 'ann' }],
      ['userDisconnected', { userId: 'c' }],
    ]);
    expect(received[2]).toEqual(burst.map(({ event, payload }) => [event, payload]));
  });

  it('writes the whole burst to a websocket connection at once', async () => {
    const { client, peer } = await connect('user:d', 'websocket');
    const writes = countWrites(peer);
    const received = recorded(client);
    const many = Array.from({ length: 50 }, (_, n): BurstEvent => ({ event: 'userDisconnected', payload: { userId: `u${n}` } }));

    sendBurst(server.sockets, many);
    await until(() => received.length === 50);

    expect(received.map(([, payload]) => payload)).toEqual(many.map(({ payload }) => payload));
    expect(writes()).toBe(1);
  });

  it('counts what a client does not read in its outgoing backlog, as the slow-consumer sweep needs', async () => {
    const { client, peer } = await connect('user:d', 'websocket');
    const clientTcp = (client.io.engine.transport as unknown as { ws: { _socket: TcpSocket } }).ws._socket;
    clientTcp.pause();
    // Tracked from the connection on, as the adapter does.
    const backlog = backlogOf(peer);
    const large = Array.from({ length: 20 }, (_, n): BurstEvent => ({ event: 'userDisconnected', payload: { userId: `${n}`.padEnd(100_000, 'x') } }));

    try {
      // Loopback's kernel buffers take a few megabytes before anything stays in the process.
      for (let burst = 0; burst < 20; burst++) sendBurst(server.sockets, large);
      expect(backlog.bytes()).toBeGreaterThan(10_000_000);
    } finally {
      clientTcp.destroy();
    }
  });

  it('keeps its place behind what the connection is already sending', async () => {
    const { client } = await connect('user:d', 'websocket');
    const received = recorded(client);

    server.emit('userDisconnected', { userId: 'before' });
    sendBurst(server.sockets, burst);
    server.emit('userDisconnected', { userId: 'after' });
    await until(() => received.length === 5);

    expect(received.map(([, payload]) => payload)).toEqual([{ userId: 'before' }, ...burst.map(({ payload }) => payload), { userId: 'after' }]);
  });
});
