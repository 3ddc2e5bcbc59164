import type { ClusterBus } from '../../common/redis/cluster-bus';
import { strictMock } from '../../../test/utils/strict-mock';
import { CachedSession, SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';
import { SessionRevocations } from './session-revocations';
import { SessionSharing } from './session-sharing';

const NOW = 1_000_000;

function loaded(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'loaded', sessionId: 's1', userId: 'u1', username: 'alice', role: 'user', tokenHash: 'hash-s1', expiresAt: NOW + 3_600_000, ...overrides };
}

describe('SessionSharing', () => {
  let cache: SessionCache;
  let revocations: SessionRevocations;
  let sharing: SessionSharing;
  let publish: jest.Mock;
  /** The handlers subscribed to the bus, in order. */
  let handlers: [string, (message: unknown) => void][];

  /** A message from another instance, to every handler of its topic, as the bus delivers it. */
  function fromBus(message: unknown): void {
    for (const [topic, handler] of handlers) if (topic === 'sessions') handler(message);
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    handlers = [];
    publish = jest.fn().mockResolvedValue(undefined);
    const bus = strictMock<ClusterBus>(
      { enabled: true, publish, deliver: publish, subscribe: jest.fn((topic: string, handler: (message: unknown) => void) => handlers.push([topic, handler])) },
      'cluster bus',
    );
    cache = new SessionCache();
    revocations = new SessionRevocations(cache, bus);
    sharing = new SessionSharing(cache, revocations, bus);
    revocations.onModuleInit();
    sharing.onModuleInit();
  });

  afterEach(() => jest.useRealTimers());

  it('offers a session loaded here to the other instances, without anything secret beyond the token hash', () => {
    const entry: CachedSession = {
      principal: { kind: 'user', userId: 'u1', username: 'alice', role: 'admin', sessionId: 's1' },
      tokenHash: 'hash-s1',
      expiresAt: NOW + 3_600_000,
      cachedUntil: NOW + SESSION_CACHE_TTL_MS,
    };
    sharing.offer(entry);
    expect(publish).toHaveBeenCalledWith('sessions', loaded({ role: 'admin' }));
  });

  it('offers nothing without other instances', () => {
    const alone = new SessionSharing(cache, revocations, strictMock<ClusterBus>({ enabled: false }, 'cluster bus'));
    alone.offer({
      principal: { kind: 'user', userId: 'u1', username: 'a', role: 'user', sessionId: 's1' },
      tokenHash: 'h',
      expiresAt: NOW + 1,
      cachedUntil: NOW + 1,
    });
    expect(publish).not.toHaveBeenCalled();
  });

  it("trusts another instance's load for the cache period from its arrival, by id and by token hash", () => {
    fromBus(loaded());
    const entry = cache.getById('s1', NOW);
    expect(entry).toEqual({
      principal: { kind: 'user', userId: 'u1', username: 'alice', role: 'user', sessionId: 's1' },
      tokenHash: 'hash-s1',
      expiresAt: NOW + 3_600_000,
      cachedUntil: NOW + SESSION_CACHE_TTL_MS,
    });
    expect(cache.getByTokenHash('hash-s1', NOW)).toBe(entry);
    expect(cache.getById('s1', NOW + SESSION_CACHE_TTL_MS)).toBeUndefined();
  });

  it('refuses a load heard after the revocation of its session, and drops one heard before it', () => {
    fromBus({ kind: 'session', sessionId: 's1' });
    fromBus(loaded());
    expect(cache.getById('s1', NOW)).toBeUndefined();

    fromBus(loaded({ sessionId: 's2', tokenHash: 'hash-s2' }));
    expect(cache.getById('s2', NOW)).toBeDefined();
    fromBus({ kind: 'session', sessionId: 's2' });
    expect(cache.getById('s2', NOW)).toBeUndefined();
  });

  it('refuses loads of a user whose sessions were evicted (role change, deactivation) while the marks last', () => {
    fromBus({ kind: 'user', userId: 'u1' });
    fromBus(loaded());
    expect(cache.getById('s1', NOW)).toBeUndefined();
    void revocations.revokeUser('u2');
    fromBus(loaded({ sessionId: 's2', userId: 'u2', tokenHash: 'hash-s2' }));
    expect(cache.getById('s2', NOW)).toBeUndefined();

    jest.setSystemTime(NOW + 2 * SESSION_CACHE_TTL_MS + 1);
    fromBus(loaded({ expiresAt: NOW + 3_600_000 }));
    expect(cache.getById('s1', Date.now())).toBeDefined();
  });

  it('keeps the entry this instance already trusts', () => {
    fromBus(loaded());
    const mine = cache.getById('s1', NOW);
    jest.setSystemTime(NOW + 1000);
    fromBus(loaded({ role: 'admin' }));
    expect(cache.getById('s1', Date.now())).toBe(mine);
  });

  it('ignores expired sessions and malformed offers', () => {
    const long = 'x'.repeat(129);
    for (const message of [
      loaded({ expiresAt: NOW }),
      loaded({ expiresAt: Number.POSITIVE_INFINITY }),
      loaded({ expiresAt: String(NOW + 1000) }),
      loaded({ role: 'root' }),
      loaded({ sessionId: long }),
      loaded({ userId: 7 }),
      loaded({ username: '' }),
      loaded({ tokenHash: undefined }),
      { ...loaded(), kind: 'load' },
      null,
      'loaded',
      [loaded()],
    ])
      fromBus(message);
    expect(cache.size).toBe(0);
  });
});
