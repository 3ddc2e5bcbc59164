import type { ClusterBus } from '../../common/redis/cluster-bus';
import type { RedisConnections } from '../../common/redis/redis-connections';
import { strictMock } from '../../../test/utils/strict-mock';
import { USER_PROFILE_TTL_MS, UserProfileCache } from './user-profile-cache';
import type { PublicUser } from './user.presenter';

function user(id: string, display_name = id): PublicUser {
  return { id, username: id, email: null, display_name, score: 0, role: 'user', is_active: true, created_at: '2026-01-01T00:00:00.000Z', last_login: null };
}

/** A promise resolved from outside, to hold a database read open. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('UserProfileCache', () => {
  let publish: jest.Mock;
  let subscribe: jest.Mock;
  let cache: UserProfileCache;
  /** What RedisConnections says: several instances, Redis up or not. */
  const redis = { enabled: false, available: false };

  beforeEach(() => {
    publish = jest.fn().mockResolvedValue(undefined);
    subscribe = jest.fn();
    Object.assign(redis, { enabled: false, available: false });
    cache = new UserProfileCache(strictMock<ClusterBus>({ deliver: publish, subscribe }, 'bus'), redis as RedisConnections);
    cache.onModuleInit();
  });

  /** What another instance's invalidation looks like when it arrives here. */
  function fromBus(message: unknown): void {
    const [[topic, handler]] = subscribe.mock.calls as [[string, (message: unknown) => void]];
    expect(topic).toBe('users');
    handler(message);
  }

  it('keeps a loaded account for its TTL, frozen, and forgets it after', async () => {
    const now = 1_000_000;
    await cache.load('u1', () => Promise.resolve(user('u1')), now);
    const cached = cache.get('u1', now + USER_PROFILE_TTL_MS - 1);
    expect(cached).toEqual(user('u1'));
    expect(Object.isFrozen(cached)).toBe(true);
    expect(cache.get('u1', now + USER_PROFILE_TTL_MS)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep an unknown account', async () => {
    expect(await cache.load('gone', () => Promise.resolve(null))).toBeNull();
    expect(cache.get('gone')).toBeUndefined();
  });

  it('shares one read between concurrent callers', async () => {
    const read = deferred<PublicUser | null>();
    const load = jest.fn(() => read.promise);
    const both = Promise.all([cache.load('u1', load), cache.load('u1', load)]);
    read.resolve(user('u1'));
    expect(await both).toEqual([user('u1'), user('u1')]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not keep a read that was under way when the account was invalidated, and reads again for later callers', async () => {
    const before = deferred<PublicUser | null>();
    const early = cache.load('u1', () => before.promise);
    void cache.invalidate('u1');
    const late = cache.load('u1', () => Promise.resolve(user('u1', 'New name')));
    before.resolve(user('u1', 'Old name'));
    expect((await early)?.display_name).toBe('Old name');
    expect((await late)?.display_name).toBe('New name');
    expect(cache.get('u1')?.display_name).toBe('New name');
  });

  it('the same holds for an invalidation from another instance', async () => {
    const before = deferred<PublicUser | null>();
    const early = cache.load('u1', () => before.promise);
    fromBus({ id: 'u1' });
    before.resolve(user('u1', 'Old name'));
    await early;
    expect(cache.get('u1')).toBeUndefined();
  });

  it('invalidate drops the entry here and tells the other instances', async () => {
    await cache.load('u1', () => Promise.resolve(user('u1')));
    void cache.invalidate('u1');
    expect(cache.get('u1')).toBeUndefined();
    expect(publish).toHaveBeenCalledWith('users', { id: 'u1' });
  });

  it('an invalidation from another instance drops the entry; malformed messages change nothing', async () => {
    await cache.load('u1', () => Promise.resolve(user('u1')));
    for (const message of [null, 'u1', { id: 1 }, { id: 'u1'.repeat(40) }, { user: 'u1' }]) fromBus(message);
    expect(cache.get('u1')).toBeDefined();
    fromBus({ id: 'u1' });
    expect(cache.get('u1')).toBeUndefined();
    expect(publish).not.toHaveBeenCalled();
  });

  it('a failed read is not kept and does not block the next one', async () => {
    await expect(cache.load('u1', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.load('u1', () => Promise.resolve(user('u1')))).toEqual(user('u1'));
  });

  it('is bounded: the oldest entry goes first', async () => {
    for (let i = 0; i < 50_001; i++) await cache.load(`u${i}`, () => Promise.resolve(user(`u${i}`)));
    expect(cache.size).toBe(50_000);
    expect(cache.get('u0')).toBeUndefined();
    expect(cache.get('u1')).toBeDefined();
    expect(cache.get('u50000')).toBeDefined();
  });

  it('with other instances, caches nothing while Redis is away and starts empty when it returns', async () => {
    Object.assign(redis, { enabled: true, available: true });
    await cache.load('u1', () => Promise.resolve(user('u1', 'Before the outage')));
    expect(cache.get('u1')).toBeDefined();

    redis.available = false;
    expect(cache.get('u1')).toBeUndefined();
    const read = jest.fn(() => Promise.resolve(user('u1', 'During the outage')));
    await cache.load('u1', read);
    await cache.load('u1', read);
    expect(read).toHaveBeenCalledTimes(2);
    expect(cache.size).toBe(0);

    redis.available = true;
    expect(cache.get('u1')).toBeUndefined();
    await cache.load('u1', () => Promise.resolve(user('u1', 'After')));
    expect(cache.get('u1')?.display_name).toBe('After');
  });
});
