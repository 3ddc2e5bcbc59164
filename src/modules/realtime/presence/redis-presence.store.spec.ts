import { Redis } from 'ioredis';
import { strictMock } from '../../../../test/utils/strict-mock';
import { startRedisServer, RedisServer } from '../../../../test/utils/redis-server';
import type { InstanceLiveness, PeerDeathHandler } from '../../../common/cluster/instance-liveness';
import type { RedisConnections } from '../../../common/redis/redis-connections';
import { RedisPresenceStore } from './redis-presence.store';

/** Against a real redis-server: the Lua scripts and the write-back are the things under test. */
describe('RedisPresenceStore', () => {
  let server: RedisServer;
  const connections: Redis[] = [];
  const at = (seconds: number) => Date.UTC(2026, 0, 1, 0, 0, seconds);

  function store(incarnation: string, available = () => true) {
    const redis = new Redis(server.url);
    connections.push(redis);
    let peerDeath: PeerDeathHandler = async () => undefined;
    const onPeerDeath = jest.fn((handler: PeerDeathHandler) => (peerDeath = handler));
    const presence = new RedisPresenceStore(
      strictMock<RedisConnections>(
        {
          commands: redis,
          get available() {
            return available();
          },
        },
        'redis connections',
      ),
      strictMock<InstanceLiveness>({ incarnation, onPeerDeath }, 'liveness'),
    );
    const departures: string[][] = [];
    presence.onDepartures((userIds) => departures.push(userIds));
    presence.onModuleInit();
    return { presence, departures, redis, peerDied: (dead: string) => peerDeath(dead) };
  }

  beforeAll(async () => {
    server = await startRedisServer();
  });
  beforeEach(async () => {
    const redis = new Redis(server.url);
    connections.push(redis);
    await redis.flushall();
  });
  afterEach(async () => {
    for (const redis of connections.splice(0)) redis.disconnect();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('decides first and last socket across instances and lists users oldest connection first', async () => {
    const a = store('a#1');
    const b = store('b#1');
    expect(await a.presence.add({ userId: 'u1', username: 'alice', socketId: 's1', connectedAt: at(5) })).toEqual({ first: true });
    expect(await b.presence.add({ userId: 'u1', username: 'alice', socketId: 's1', connectedAt: at(3) })).toEqual({ first: false });
    expect(await b.presence.add({ userId: 'u2', username: 'bob', socketId: 's2', connectedAt: at(4) })).toEqual({ first: true });
    expect(await a.presence.connectionCount('u1')).toBe(2);
    expect(await a.presence.totalConnections()).toBe(3);
    expect(await a.presence.users()).toEqual([
      { id: 'u1', username: 'alice', connections: 2, connected_since: '2026-01-01T00:00:03.000Z' },
      { id: 'u2', username: 'bob', connections: 1, connected_since: '2026-01-01T00:00:04.000Z' },
    ]);

    expect(await a.presence.remove('u1', 's1')).toEqual({ last: false });
    expect(await a.presence.remove('u1', 's1')).toEqual({ last: false });
    expect(await b.presence.remove('u1', 's1')).toEqual({ last: true });
    expect(await b.presence.totalConnections()).toBe(1);
  });

  it("releases a dead instance's sockets in one step and reports only the users left with none", async () => {
    const a = store('a#1');
    const b = store('b#1');
    await a.presence.add({ userId: 'u1', username: 'alice', socketId: 's1', connectedAt: at(1) });
    await b.presence.add({ userId: 'u1', username: 'alice', socketId: 's2', connectedAt: at(2) });
    await b.presence.add({ userId: 'u2', username: 'bob', socketId: 's3', connectedAt: at(3) });

    await a.peerDied('b#1');
    expect(a.departures).toEqual([['u2']]);
    expect(await a.presence.users()).toEqual([{ id: 'u1', username: 'alice', connections: 1, connected_since: '2026-01-01T00:00:01.000Z' }]);
    expect(await a.presence.totalConnections()).toBe(1);
    // A second sweep of the same death (another instance noticed too) finds nothing.
    await a.peerDied('b#1');
    expect(a.departures).toEqual([['u2']]);
  });

  it('answers from this instance while Redis is away, then writes its sockets back and reports who left meanwhile', async () => {
    let up = true;
    const a = store('a#1', () => up);
    await a.presence.add({ userId: 'u1', username: 'alice', socketId: 's1', connectedAt: at(1) });
    await a.presence.add({ userId: 'u2', username: 'bob', socketId: 's2', connectedAt: at(2) });

    up = false;
    expect(await a.presence.add({ userId: 'u3', username: 'carol', socketId: 's3', connectedAt: at(3) })).toEqual({ first: true });
    expect(await a.presence.remove('u2', 's2')).toEqual({ last: true });
    expect((await a.presence.users()).map((user) => user.id)).toEqual(['u1', 'u3']);
    // Redis still lists bob and lacks carol.
    expect(await a.redis.hkeys('presence:online')).toEqual(expect.arrayContaining(['u1', 'u2']));

    up = true;
    await (a.presence as unknown as { heal(): Promise<void> }).heal();
    expect((await a.presence.users()).map((user) => user.id)).toEqual(['u1', 'u3']);
    expect(await a.presence.totalConnections()).toBe(2);
    expect(a.departures).toEqual([['u2']]);
  });
});
