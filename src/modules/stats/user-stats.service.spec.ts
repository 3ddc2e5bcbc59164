import { UserStatsDelta, UserStatsRepository } from './user-stats.repository';
import { UserStatsService } from './user-stats.service';

function strictRepository(overrides: Partial<Record<keyof UserStatsRepository, jest.Mock>>): UserStatsRepository {
  return new Proxy(overrides, {
    get: (target, name: string) => {
      if (name in target) return target[name as keyof UserStatsRepository];
      throw new Error(`unexpected repository call: ${name}`);
    },
  }) as unknown as UserStatsRepository;
}

const ZERO = {
  total_connections: 0,
  total_session_seconds: 0,
  channels_joined: 0,
  messages_sent: 0,
  audio_packets_sent: 0,
  audio_bytes_sent: 0,
  calls_made: 0,
};

describe('UserStatsService', () => {
  it('merges pending deltas with the stored totals', async () => {
    const findById = jest.fn().mockResolvedValue({ _id: 'u1', ...ZERO, messages_sent: 4, last_seen: null });
    const service = new UserStatsService(strictRepository({ findById }));
    service.add('u1', { messages_sent: 2, audio_packets_sent: 10 });
    service.add('u1', { messages_sent: 1 });
    expect(await service.get('u1')).toEqual({ ...ZERO, messages_sent: 7, audio_packets_sent: 10, last_seen: null });
  });

  it('flushes accumulated deltas in one call and starts afresh', async () => {
    const batches: Map<string, UserStatsDelta>[] = [];
    const apply = jest.fn(async (batch: Map<string, UserStatsDelta>) => void batches.push(new Map(batch)));
    const service = new UserStatsService(strictRepository({ apply }));
    const seenAt = new Date('2026-01-01T00:00:00Z');
    service.add('u1', { total_connections: 1 });
    service.add('u2', { calls_made: 2 });
    service.seen('u1', seenAt);
    await service.flush();
    await service.flush();
    expect(apply).toHaveBeenCalledTimes(1);
    expect(batches[0]).toEqual(
      new Map([
        ['u1', { counters: { total_connections: 1 }, lastSeen: seenAt }],
        ['u2', { counters: { calls_made: 2 } }],
      ]),
    );
  });

  it('keeps the deltas of a failed flush for the next one', async () => {
    const apply = jest.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(undefined);
    const service = new UserStatsService(strictRepository({ apply }));
    service.add('u1', { messages_sent: 3 });
    await service.flush();
    service.add('u1', { messages_sent: 1 });
    await service.flush();
    expect(apply).toHaveBeenLastCalledWith(new Map([['u1', { counters: { messages_sent: 4 } }]]));
  });
});
