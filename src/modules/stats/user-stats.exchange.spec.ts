import { Redis } from 'ioredis';
import { startRedisServer, RedisServer } from '../../../test/utils/redis-server';
import { strictMock } from '../../../test/utils/strict-mock';
import type { ChannelsService } from '../channels/channels.service';
import type { UsersService } from '../users/users.service';
import type { UserCounters } from './schemas/user-stats.schema';
import { RedisUserStats } from './user-stats.exchange';
import type { UserStatsDelta, UserStatsRepository } from './user-stats.repository';
import { UserStatsService } from './user-stats.service';

/** Two services standing for two instances: one real Redis between them, one shared (fake) collection. */
describe('UserStatsService over RedisUserStats', () => {
  let server: RedisServer;
  const connections: Redis[] = [];
  let stored: Map<string, Partial<UserCounters> & { last_seen?: Date }>;

  const instance = () => {
    const redis = new Redis(server.url);
    connections.push(redis);
    const apply = jest.fn((batch: Map<string, UserStatsDelta>) => {
      for (const [userId, delta] of batch) {
        const row = stored.get(userId) ?? {};
        for (const [name, value] of Object.entries(delta.counters)) row[name as keyof UserCounters] = (row[name as keyof UserCounters] ?? 0) + value;
        if (delta.lastSeen) row.last_seen = delta.lastSeen;
        stored.set(userId, row);
      }
      return Promise.resolve();
    });
    const findById = jest.fn((userId: string) => Promise.resolve(stored.has(userId) ? { _id: userId, ...stored.get(userId) } : null));
    return new UserStatsService(
      strictMock<UserStatsRepository>({ apply, findById }, 'repository'),
      strictMock<UsersService>({}, 'users'),
      strictMock<ChannelsService>({}, 'channels'),
      new RedisUserStats(redis),
    );
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  beforeEach(async () => {
    stored = new Map();
    const redis = new Redis(server.url);
    connections.push(redis);
    await redis.flushall();
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await server?.close();
  });

  it('reports on one instance what another counted, and writes every delta exactly once whoever flushes', async () => {
    const [a, b] = [instance(), instance()];
    const seenAt = new Date('2026-03-04T05:06:07Z');
    a.add('u1', { messages_sent: 3, audio_packets_sent: 50 });
    a.seen('u1', seenAt);
    b.add('u1', { messages_sent: 2 });
    expect((await b.get('u1')).messages_sent).toBe(2);
    // A hand-over waits for a connected Redis (see UserStatsService.handOverNow).
    await Promise.all(connections.map((connection) => connection.ping()));
    await a.handOver();
    expect(await b.get('u1')).toMatchObject({ messages_sent: 5, audio_packets_sent: 50, last_seen: seenAt.toISOString() });

    await Promise.all([a.flush(), b.flush()]);
    expect(stored.get('u1')).toMatchObject({ messages_sent: 5, audio_packets_sent: 50, last_seen: seenAt });
    // Nothing pending any more, nothing counted twice.
    expect(await a.get('u1')).toMatchObject({ messages_sent: 5, audio_packets_sent: 50 });
    expect(await b.get('u1')).toMatchObject({ messages_sent: 5, audio_packets_sent: 50 });
  });
});
