import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { paceMessages } from './message-pacing';

describe('paceMessages', () => {
  let server: WebSocketServer;
  let client: WebSocket;
  let accepted: Promise<WebSocket>;

  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    accepted = new Promise((resolve) => server.once('connection', resolve));
    await new Promise((resolve) => server.once('listening', resolve));
    client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise((resolve) => client.once('open', resolve));
  });
  afterEach(async () => {
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  /** The turn of the event loop in which each of `count` messages, sent in one write, is handed over. */
  async function turnsOf(peer: WebSocket, count: number): Promise<number[]> {
    let turn = 0;
    let counting = true;
    const tick = () => {
      turn++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const turns: number[] = [];
    const done = new Promise<void>((resolve) =>
      peer.on('message', () => {
        turns.push(turn);
        if (turns.length === count) resolve();
      }),
    );
    // Corked, the frames go out in one write, so the server reads them together.
    const raw = (client as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    raw.cork();
    for (let i = 0; i < count; i++) client.send('x');
    raw.uncork();
    await done;
    counting = false;
    return turns;
  }

  it('leaves a connection as ws made it: the messages of one read in one turn', async () => {
    const peer = await accepted;
    const turns = await turnsOf(peer, 20);
    expect(new Set(turns).size).toBeLessThan(20);
  });

  it('hands over one message per turn once paced', async () => {
    const peer = await accepted;
    paceMessages(peer);
    const turns = await turnsOf(peer, 20);
    expect(new Set(turns).size).toBe(20);
  });
});
