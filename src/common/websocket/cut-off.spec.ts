import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { cutOff } from './cut-off';

describe('cutOff', () => {
  let server: WebSocketServer;
  let client: WebSocket;
  let peer: WebSocket;

  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
    await new Promise((resolve) => server.once('listening', resolve));
    client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise((resolve) => client.once('open', resolve));
    peer = await accepted;
  });
  afterEach(async () => {
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('closes a connection that stopped reading at once, failing all its queued writes with one shared error', async () => {
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    const failures: unknown[] = [];
    const frame = Buffer.alloc(64 * 1024);
    // Far more than the kernel takes: most of these wait in the socket's own queue.
    for (let i = 0; i < 400; i++) peer.send(frame, (error) => error && failures.push(error));
    await new Promise((resolve) => setImmediate(resolve));
    expect(peer.bufferedAmount).toBeGreaterThan(0);

    const closed = new Promise((resolve) => peer.once('close', resolve));
    cutOff(peer);
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures.length).toBeGreaterThan(10);
    expect(new Set(failures).size).toBe(1);
    expect(peer.readyState).toBe(WebSocket.CLOSED);
  });

  it('is harmless on a connection already closed', async () => {
    peer.terminate();
    await new Promise((resolve) => peer.once('close', resolve));
    expect(() => cutOff(peer)).not.toThrow();
  });
});
