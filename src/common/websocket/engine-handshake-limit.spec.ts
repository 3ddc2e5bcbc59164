import { Server } from 'socket.io';
import { listeningSocketIo } from '../../../test/utils/socket-io-server';
import { limitEngineHandshakes } from './engine-handshake-limit';
import { KeyedRateLimiter } from './rate-limit';
import { RefusalPacer } from './refusal-pacer';

describe('limitEngineHandshakes', () => {
  let server: Server;
  let url: string;

  beforeEach(async () => {
    let base: string;
    ({ server, url: base } = await listeningSocketIo());
    limitEngineHandshakes(server.engine, {
      // A budget of 50 at once, refilled too slowly to matter during the test.
      limiter: new KeyedRateLimiter(0.01, 50),
      pacer: new RefusalPacer(0),
      trust: () => false,
      allowedOrigins: new Set(),
      onRefused: () => undefined,
    });
    url = `${base}/socket.io/?EIO=4&transport=polling`;
  });
  afterEach(async () => {
    await server.close();
  });

  it('takes on a burst of accepted handshakes a few per turn of the event loop, and refuses those past the budget', async () => {
    // Turns of the event loop, counted as they pass; each new engine.io session is noted with the turn it was made in.
    let turn = 0;
    let counting = true;
    const countTurns = () => {
      turn += 1;
      if (counting) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const sessionsPerTurn = new Map<number, number>();
    server.engine.on('connection', () => sessionsPerTurn.set(turn, (sessionsPerTurn.get(turn) ?? 0) + 1));

    const statuses = await Promise.all(Array.from({ length: 60 }, () => fetch(url).then((response) => response.status)));
    counting = false;

    expect(statuses.filter((status) => status === 200)).toHaveLength(50);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    expect([...sessionsPerTurn.values()].reduce((sum, count) => sum + count, 0)).toBe(50);
    expect(Math.max(...sessionsPerTurn.values())).toBeLessThanOrEqual(16);
  });
});
