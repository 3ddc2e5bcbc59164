import type { UserPrincipal } from '../../common/auth/principal';
import type { ClusterBus } from '../../common/redis/cluster-bus';
import { strictMock } from '../../../test/utils/strict-mock';
import { CachedSession, SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';
import { SessionRevocations } from './session-revocations';

function entry(sessionId: string, userId: string, now: number, expiresIn = 3_600_000): CachedSession {
  const principal: UserPrincipal = { kind: 'user', userId, username: userId, role: 'user', sessionId };
  return { principal, tokenHash: `hash-${sessionId}`, expiresAt: now + expiresIn, cachedUntil: now + SESSION_CACHE_TTL_MS };
}

describe('SessionCache and SessionRevocations', () => {
  const now = 1_000_000;
  let cache: SessionCache;
  let revocations: SessionRevocations;
  let publish: jest.Mock;
  let subscribe: jest.Mock;

  beforeEach(() => {
    cache = new SessionCache();
    publish = jest.fn().mockResolvedValue(undefined);
    subscribe = jest.fn();
    revocations = new SessionRevocations(cache, strictMock<ClusterBus>({ deliver: publish, subscribe }, 'cluster bus'));
    revocations.onModuleInit();
  });

  it('finds a cached session by id and by token hash, the same object each time', () => {
    const s1 = entry('s1', 'u1', now);
    cache.set(s1);
    expect(cache.getById('s1', now)).toBe(s1);
    expect(cache.getByTokenHash('hash-s1', now)).toBe(s1);
  });

  it('drops an entry once its trust period or the session itself has expired', () => {
    cache.set(entry('s1', 'u1', now));
    expect(cache.getById('s1', now + SESSION_CACHE_TTL_MS)).toBeUndefined();
    expect(cache.getByTokenHash('hash-s1', now)).toBeUndefined();
    cache.set(entry('s2', 'u1', now, 10));
    expect(cache.getByTokenHash('hash-s2', now + 10)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('revoking a session evicts it and marks it, so a load racing the revocation cannot resurrect it', () => {
    cache.set(entry('s1', 'u1', now));
    void revocations.revoke('s1', now);
    expect(cache.getById('s1', now)).toBeUndefined();
    expect(cache.getByTokenHash('hash-s1', now)).toBeUndefined();
    expect(revocations.isRevoked('s1')).toBe(true);
    expect(revocations.isRevoked('s2')).toBe(false);
  });

  it('forgets revocation marks only after twice the cache period', () => {
    void revocations.revoke('s1', now);
    revocations.prune(now + 2 * SESSION_CACHE_TTL_MS - 1);
    expect(revocations.isRevoked('s1')).toBe(true);
    revocations.prune(now + 2 * SESSION_CACHE_TTL_MS);
    expect(revocations.isRevoked('s1')).toBe(false);
  });

  it("evicts every session of a user and no one else's", () => {
    cache.set(entry('a1', 'alice', now));
    cache.set(entry('a2', 'alice', now));
    cache.set(entry('b1', 'bob', now));
    void revocations.revokeUser('alice');
    expect(cache.getById('a1', now)).toBeUndefined();
    expect(cache.getById('a2', now)).toBeUndefined();
    expect(cache.getById('b1', now)).toBeDefined();
    expect(cache.size).toBe(1);
  });

  it('tells the other instances, and applies what they tell it', () => {
    void revocations.revoke('s1', now);
    void revocations.revokeUser('alice', now);
    expect(publish.mock.calls).toEqual([
      ['sessions', { kind: 'session', sessionId: 's1' }],
      ['sessions', { kind: 'user', userId: 'alice' }],
    ]);

    const [[topic, handler]] = subscribe.mock.calls as [[string, (message: unknown) => void]];
    expect(topic).toBe('sessions');
    cache.set(entry('s2', 'bob', now));
    cache.set(entry('c1', 'carol', now));
    handler({ kind: 'session', sessionId: 's2' });
    handler({ kind: 'user', userId: 'carol' });
    handler({ kind: 'user', userId: { $ne: null } });
    expect(revocations.isRevoked('s2')).toBe(true);
    expect(cache.size).toBe(0);
    // Applying a remote message does not echo it back.
    expect(publish).toHaveBeenCalledTimes(2);
  });

  it('remembers a user-wide eviction, so a load begun before it is not trusted', () => {
    void revocations.revokeUser('alice', now);
    expect(revocations.userChangedSince('alice', now - 5)).toBe(true);
    expect(revocations.userChangedSince('alice', now)).toBe(true);
    expect(revocations.userChangedSince('alice', now + 1)).toBe(false);
    expect(revocations.userChangedSince('bob', now - 5)).toBe(false);
    revocations.prune(now + 2 * SESSION_CACHE_TTL_MS);
    expect(revocations.userChangedSince('alice', now - 5)).toBe(false);
  });
});
