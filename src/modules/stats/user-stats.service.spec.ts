import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { StrictStubs, strictMock } from '../../../test/utils/strict-mock';
import type { ChannelsService } from '../channels/channels.service';
import type { UsersService } from '../users/users.service';
import { LocalUserStats } from './user-stats.exchange';
import { UserStatsDelta, UserStatsRepository } from './user-stats.repository';
import { UserStatsService } from './user-stats.service';

function serviceWith(
  repository: StrictStubs<UserStatsRepository>,
  users: StrictStubs<UsersService> = {},
  channels: StrictStubs<ChannelsService> = {},
): UserStatsService {
  return new UserStatsService(
    strictMock<UserStatsRepository>(repository, 'repository'),
    strictMock<UsersService>(users, 'users'),
    strictMock<ChannelsService>(channels, 'channels'),
    new LocalUserStats(),
  );
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
    const service = serviceWith({ findById });
    service.add('u1', { messages_sent: 2, audio_packets_sent: 10 });
    service.add('u1', { messages_sent: 1 });
    expect(await service.get('u1')).toEqual({ ...ZERO, messages_sent: 7, audio_packets_sent: 10, last_seen: null });
  });

  it('flushes accumulated deltas in one call and starts afresh', async () => {
    const batches: Map<string, UserStatsDelta>[] = [];
    const apply = jest.fn((batch: Map<string, UserStatsDelta>) => {
      batches.push(new Map(batch));
      return Promise.resolve();
    });
    const service = serviceWith({ apply });
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
    const service = serviceWith({ apply });
    service.add('u1', { messages_sent: 3 });
    await service.flush();
    service.add('u1', { messages_sent: 1 });
    await service.flush();
    expect(apply).toHaveBeenLastCalledWith(new Map([['u1', { counters: { messages_sent: 4 } }]]));
  });

  describe('report', () => {
    const user = (id: string, role: UserPrincipal['role'] = 'user'): UserPrincipal => ({ kind: 'user', userId: id, username: id, role, sessionId: `s-${id}` });
    const seenAt = new Date('2026-02-03T04:05:06Z');

    it('answers oneself the stored and pending counters and the first channel the user is in', async () => {
      const get = jest.fn().mockResolvedValue({ id: 'u1' });
      const findById = jest.fn().mockResolvedValue({ _id: 'u1', ...ZERO, calls_made: 2, last_seen: seenAt });
      const channelsOf = jest.fn().mockResolvedValue(['c2', 'c1']);
      const service = serviceWith({ findById }, { get }, { channelsOf });
      service.add('u1', { calls_made: 1 });
      expect(await service.report('u1', user('u1'))).toEqual({
        user_id: 'u1',
        ...ZERO,
        calls_made: 3,
        last_seen: '2026-02-03T04:05:06.000Z',
        current_channel: 'c2',
      });
      expect(get).toHaveBeenCalledWith('u1');
      expect(findById).toHaveBeenCalledWith('u1');
      expect(channelsOf).toHaveBeenCalledWith('u1');
    });

    it('answers an admin about anyone, with no channel as null', async () => {
      const service = serviceWith(
        { findById: jest.fn().mockResolvedValue(null) },
        { get: jest.fn().mockResolvedValue({ id: 'u1' }) },
        { channelsOf: jest.fn().mockResolvedValue([]) },
      );
      expect(await service.report('u1', user('boss', 'admin'))).toEqual({ user_id: 'u1', ...ZERO, last_seen: null, current_channel: null });
    });

    it('refuses another user and a back-end service before reading anything', async () => {
      const service = serviceWith({});
      await expect(service.report('u1', user('u2'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(service.report('u1', { kind: 'service' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(service.report('u1', undefined)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    });

    it('answers USER_NOT_FOUND for an unknown user without reading counters or channels', async () => {
      const get = jest.fn().mockRejectedValue(new AppError('USER_NOT_FOUND'));
      const service = serviceWith({}, { get });
      await expect(service.report('ghost', user('boss', 'admin'))).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
      expect(get).toHaveBeenCalledWith('ghost');
    });
  });
});
