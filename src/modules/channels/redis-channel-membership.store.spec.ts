import { Redis } from 'ioredis';
import { startRedisServer, RedisServer } from '../../../test/utils/redis-server';
import { RedisChannelMembershipStore } from './redis-channel-membership.store';

/** Against a real redis-server: the Lua scripts are the thing under test. */
describe('RedisChannelMembershipStore', () => {
  let server: RedisServer;
  const connections: Redis[] = [];
  const connect = () => {
    const connection = new Redis(server.url);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  beforeEach(async () => {
    await connect().flushall();
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await server?.close();
  });

  it('admits exactly two of six users racing for two seats from three instances', async () => {
    const stores = ['a#1', 'b#1', 'c#1'].map((incarnation) => new RedisChannelMembershipStore(connect(), incarnation));
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => stores[i % 3].join('c', `u${i}`, `voice:s${i}`, 2)));
    expect(outcomes.filter((outcome) => outcome.status === 'joined')).toHaveLength(2);
    expect(outcomes.filter((outcome) => outcome.status === 'full')).toHaveLength(4);
    expect(await stores[0].members('c')).toHaveLength(2);
  });

  it('counts users, not connections, across instances, and reports the first and last connection', async () => {
    const a = new RedisChannelMembershipStore(connect(), 'a#1');
    const b = new RedisChannelMembershipStore(connect(), 'b#1');
    expect(await a.join('c', 'u1', 'ws:1', 1)).toEqual({ status: 'joined', firstConnection: true });
    // The same connection id on another instance is another connection.
    expect(await b.join('c', 'u1', 'ws:1', 1)).toEqual({ status: 'joined', firstConnection: false });
    expect(await b.join('c', 'u2', 'ws:2', 1)).toEqual({ status: 'full' });
    expect(await a.leave('c', 'u1', 'ws:1')).toEqual({ left: true, lastConnection: false });
    expect(await a.leave('c', 'u1', 'ws:1')).toEqual({ left: false, lastConnection: false });
    expect(await b.leave('c', 'u1', 'ws:1')).toEqual({ left: true, lastConnection: true });
    expect(await a.activeChannelCount()).toBe(0);
    expect(await a.members('c')).toEqual([]);
  });

  it('keeps joining order, lists channels of a user, counts, removes a channel and clears', async () => {
    const store = new RedisChannelMembershipStore(connect(), 'a#1');
    await store.join('b', 'u2', 'k2', 5);
    await store.join('a', 'u1', 'k1', 5);
    await store.join('b', 'u1', 'k1', 5);
    expect(await store.members('b')).toEqual(['u2', 'u1']);
    expect(await store.channelsOf('u1')).toEqual(['a', 'b']);
    expect(await store.counts(['a', 'b', 'z'])).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
        ['z', 0],
      ]),
    );
    expect(await store.activeChannelCount()).toBe(2);
    expect(await store.removeChannel('b')).toEqual(['u2', 'u1']);
    expect(await store.channelsOf('u1')).toEqual(['a']);
    // The removed channel's entries are gone from the instance's set too: a later release finds nothing of it.
    expect(await store.releaseInstance('a#1')).toEqual([{ channelId: 'a', userId: 'u1' }]);
    await store.join('a', 'u3', 'k3', 5);
    expect(await store.clear()).toBe(1);
    expect(await store.members('a')).toEqual([]);
    expect(await store.activeChannelCount()).toBe(0);
  });

  it("releases a dead instance's connections once, keeping users who are still connected elsewhere", async () => {
    const dead = new RedisChannelMembershipStore(connect(), 'dead#1');
    const alive = new RedisChannelMembershipStore(connect(), 'alive#1');
    await dead.join('c', 'u1', 'voice:x', 5);
    await dead.join('c', 'u2', 'voice:y', 5);
    await alive.join('c', 'u2', 'ws:z', 5);
    await dead.join('d', 'u1', 'voice:x', 5);
    const [first, second] = await Promise.all([
      alive.releaseInstance('dead#1'),
      new RedisChannelMembershipStore(connect(), 'other#1').releaseInstance('dead#1'),
    ]);
    expect([...first, ...second].sort((x, y) => x.channelId.localeCompare(y.channelId))).toEqual([
      { channelId: 'c', userId: 'u1' },
      { channelId: 'd', userId: 'u1' },
    ]);
    expect(await alive.members('c')).toEqual(['u2']);
    expect(await alive.channelsOf('u1')).toEqual([]);
    expect(await alive.activeChannelCount()).toBe(1);
  });

  it("writes this instance's memberships back after Redis lost them, and keeps a leave made meanwhile", async () => {
    const redis = connect();
    const store = new RedisChannelMembershipStore(redis, 'a#1');
    const other = new RedisChannelMembershipStore(connect(), 'b#1');
    await store.join('c', 'u1', 'voice:1', 5);
    await store.join('c', 'u2', 'voice:2', 5);
    await store.join('d', 'u1', 'voice:1', 5);
    expect(await store.heal()).toBe(false);

    await redis.flushall(); // a Redis that restarted empty
    expect(await store.leave('c', 'u2', 'voice:2')).toEqual({ left: true, lastConnection: true });
    expect(await store.heal()).toBe(true);
    expect(await store.members('c')).toEqual(['u1']);
    expect(await store.channelsOf('u1')).toEqual(['c', 'd']);
    expect(await store.activeChannelCount()).toBe(2);
    // Written back as this instance's: a release after its death finds them.
    expect(await other.releaseInstance('a#1')).toEqual(
      expect.arrayContaining([
        { channelId: 'c', userId: 'u1' },
        { channelId: 'd', userId: 'u1' },
      ]),
    );
    // Released by another instance (Redis did not lose its data): forgotten here, not written back.
    expect(await store.heal()).toBe(true);
    expect(await store.heal()).toBe(false);
    expect(await store.members('c')).toEqual([]);
  });

  it('forgets memberships another instance removed by deleting the channel, instead of writing them back', async () => {
    const redis = connect();
    await redis.ping(); // connected: the first heal sees the mark of Redis's data set
    const store = new RedisChannelMembershipStore(redis, 'a#1');
    const other = new RedisChannelMembershipStore(connect(), 'b#1');
    expect(await store.heal()).toBe(false);
    await store.join('c', 'u1', 'voice:1', 5);
    await store.join('d', 'u1', 'voice:1', 5);
    expect(await other.removeChannel('c')).toEqual(['u1']);
    expect(await store.heal()).toBe(true);
    expect(await store.heal()).toBe(false);
    expect(await store.members('c')).toEqual([]);
    expect(await store.channelsOf('u1')).toEqual(['d']);
    expect(await store.activeChannelCount()).toBe(1);
    // Leaving the removed channel later is no departure.
    expect(await store.leave('c', 'u1', 'voice:1')).toEqual({ left: false, lastConnection: false });
  });
});
