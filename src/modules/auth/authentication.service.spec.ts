import type { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { createHash } from 'node:crypto';
import { strictMock } from '../../../test/utils/strict-mock';
import type { Env } from '../../config/env.validation';
import type { PublicUser } from '../users/user.presenter';
import type { UsersService } from '../users/users.service';
import { AccessTokens } from './access-tokens.service';
import { AuthenticationService, LAST_USED_PRECISION_MS } from './authentication.service';
import type { SessionRecord } from './schemas/session.schema';
import { SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';
import { SessionRevocations } from './session-revocations';
import { SessionSharing } from './session-sharing';
import type { ClusterBus } from '../../common/redis/cluster-bus';
import type { SessionsRepository } from './sessions.repository';

const SID = '0b7a4c52-3b7e-4a55-9d55-5a2f0d1e9c11';
const SESSION_TOKEN = 'b1d7f0f4-8a7e-4d8a-9c1e-2f6a3c5b7d90';
const TOKEN_HASH = createHash('sha256').update(SESSION_TOKEN).digest('hex');
const T0 = Date.parse('2026-03-01T12:00:00Z');
const SESSION_EXPIRES = new Date(T0 + 86_400_000);

const ALICE: PublicUser = {
  id: 'alice',
  username: 'Alice',
  email: null,
  display_name: 'Alice',
  score: 0,
  role: 'admin',
  is_active: true,
  created_at: '2026-01-01T00:00:00.000Z',
  last_login: null,
};
const ALICE_PRINCIPAL = { kind: 'user', userId: 'alice', username: 'Alice', role: 'admin', sessionId: SID };

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    _id: SID,
    user_id: 'alice',
    token_hash: TOKEN_HASH,
    refresh_hash: 'refresh-hash',
    previous_refresh_hash: null,
    rotated_at: null,
    refresh_generation: 0,
    ip: null,
    user_agent: null,
    created_at: new Date(T0 - 60_000),
    last_used_at: new Date(T0 - LAST_USED_PRECISION_MS),
    expires_at: SESSION_EXPIRES,
    revoked_at: null,
    revoked_reason: null,
    ...overrides,
  };
}

describe('AuthenticationService', () => {
  const jwt = new JwtService({ secret: 'unit-test-secret', signOptions: { algorithm: 'HS256', expiresIn: 900 }, verifyOptions: { algorithms: ['HS256'] } });
  const accessToken = (claims: { sub: string; sid: string } = { sub: 'alice', sid: SID }, expiresIn = 900) =>
    jwt.sign({ ...claims, username: 'Alice', role: 'admin' }, { expiresIn });

  let findById: jest.Mock;
  let findByTokenHash: jest.Mock;
  let touch: jest.Mock;
  let find: jest.Mock;
  let cache: SessionCache;
  let revocations: SessionRevocations;
  let service: AuthenticationService;
  let busEnabled: boolean;
  let publish: jest.Mock;

  /** The service with only the given repository methods stubbed: any other call fails the test. */
  function build(repository: Partial<Record<'findById' | 'findByTokenHash', jest.Mock>>): AuthenticationService {
    const config = strictMock<ConfigService<Env, true>>({ get: jest.fn().mockReturnValue(900) }, 'config');
    return new AuthenticationService(
      new AccessTokens(jwt, config),
      strictMock<SessionsRepository>({ ...repository, touch }, 'sessions repository'),
      strictMock<UsersService>({ find }, 'users'),
      cache,
      revocations,
      new SessionSharing(cache, revocations, strictMock<ClusterBus>({ enabled: busEnabled, publish, deliver: publish }, 'cluster bus')),
    );
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    findById = jest.fn().mockResolvedValue(session());
    findByTokenHash = jest.fn().mockResolvedValue(session());
    touch = jest.fn().mockResolvedValue(undefined);
    find = jest.fn().mockResolvedValue(ALICE);
    cache = new SessionCache();
    busEnabled = false;
    publish = jest.fn().mockResolvedValue(undefined);
    revocations = new SessionRevocations(cache, strictMock<ClusterBus>({ deliver: publish }, 'cluster bus'));
    service = build({ findById, findByTokenHash });
  });

  afterEach(() => jest.useRealTimers());

  describe('access token (JWT)', () => {
    it('loads the session named by `sid` and its user, caches it and refreshes "last used" once', async () => {
      expect(await service.authenticate({ accessToken: accessToken() })).toEqual(ALICE_PRINCIPAL);
      expect(findById).toHaveBeenCalledWith(SID);
      expect(find).toHaveBeenCalledWith('alice');
      expect(touch).toHaveBeenCalledTimes(1);
      expect(touch).toHaveBeenCalledWith(SID, new Date(T0));
      expect(cache.getById(SID, T0)).toEqual({
        principal: ALICE_PRINCIPAL,
        tokenHash: TOKEN_HASH,
        expiresAt: SESSION_EXPIRES.getTime(),
        cachedUntil: T0 + SESSION_CACHE_TTL_MS,
      });
    });

    it('leaves "last used" alone when it is more recent than its precision', async () => {
      findById.mockResolvedValue(session({ last_used_at: new Date(T0 - LAST_USED_PRECISION_MS + 1) }));
      expect(await service.authenticate({ accessToken: accessToken() })).toEqual(ALICE_PRINCIPAL);
      expect(touch).not.toHaveBeenCalled();
    });

    it('offers a session it loaded to the other instances, once per load', async () => {
      busEnabled = true;
      service = build({ findById });
      await service.authenticate({ accessToken: accessToken() });
      await service.authenticate({ accessToken: accessToken() });
      expect(publish.mock.calls).toEqual([
        [
          'sessions',
          { kind: 'loaded', sessionId: SID, userId: 'alice', username: 'Alice', role: 'admin', tokenHash: TOKEN_HASH, expiresAt: SESSION_EXPIRES.getTime() },
        ],
      ]);
    });

    it('answers a cached session with no repository or users call, the same principal object each time', async () => {
      const first = await service.authenticate({ accessToken: accessToken() });
      jest.setSystemTime(T0 + SESSION_CACHE_TTL_MS - 1);
      const second = await service.authenticate({ accessToken: accessToken() });
      expect(second).toBe(first);
      expect(findById).toHaveBeenCalledTimes(1);
      expect(find).toHaveBeenCalledTimes(1);
      expect(touch).toHaveBeenCalledTimes(1);
    });

    it('reloads after the cache period, so a role change applies', async () => {
      await service.authenticate({ accessToken: accessToken() });
      find.mockResolvedValue({ ...ALICE, role: 'user' });
      jest.setSystemTime(T0 + SESSION_CACHE_TTL_MS);
      expect(await service.authenticate({ accessToken: accessToken() })).toEqual({ ...ALICE_PRINCIPAL, role: 'user' });
      expect(findById).toHaveBeenCalledTimes(2);
      expect(touch).toHaveBeenLastCalledWith(SID, new Date(T0 + SESSION_CACHE_TTL_MS));
    });

    it("refuses a token whose `sub` is not the session's user, cached or not", async () => {
      const forged = accessToken({ sub: 'mallory', sid: SID });
      await expect(service.authenticate({ accessToken: forged })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(cache.size).toBe(1);
      await expect(service.authenticate({ accessToken: forged })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(findById).toHaveBeenCalledTimes(1);
    });

    it('refuses an expired token as TOKEN_EXPIRED and a bad signature as UNAUTHORIZED, reading nothing', async () => {
      const strict = build({});
      await expect(strict.authenticate({ accessToken: accessToken(undefined, -1) })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
      const tampered = `${accessToken().slice(0, -2)}xx`;
      await expect(strict.authenticate({ accessToken: tampered })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(strict.authenticate({ accessToken: 'not-a-jwt' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(find).not.toHaveBeenCalled();
    });

    it('refuses a revoked session at once, without asking the database', async () => {
      await service.authenticate({ accessToken: accessToken() });
      void revocations.revoke(SID);
      const strict = build({});
      await expect(strict.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('refuses a session the database shows revoked, unknown or expired', async () => {
      findById.mockResolvedValueOnce(session({ revoked_at: new Date(T0 - 1000), revoked_reason: 'logout' }));
      await expect(service.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      findById.mockResolvedValueOnce(null);
      await expect(service.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      findById.mockResolvedValueOnce(session({ expires_at: new Date(T0) }));
      await expect(service.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
      expect(find).not.toHaveBeenCalled();
      expect(touch).not.toHaveBeenCalled();
      expect(cache.size).toBe(0);
    });

    it('refuses a session whose user is gone or inactive, and caches nothing', async () => {
      find.mockResolvedValueOnce(null);
      await expect(service.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      find.mockResolvedValueOnce({ ...ALICE, is_active: false });
      await expect(service.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(findById).toHaveBeenCalledTimes(2);
      expect(cache.size).toBe(0);
      expect(touch).not.toHaveBeenCalled();
    });

    it('lets a revocation that lands while the session is being read win over the read', async () => {
      findById.mockImplementationOnce(() => {
        void revocations.revoke(SID);
        return Promise.resolve(session());
      });
      await expect(service.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(find).toHaveBeenCalledTimes(1);
      expect(cache.size).toBe(0);
      expect(touch).not.toHaveBeenCalled();
    });

    it('lets a revocation that lands while the user is being read win as well', async () => {
      find.mockImplementationOnce(() => {
        void revocations.revoke(SID);
        return Promise.resolve(ALICE);
      });
      await expect(service.authenticate({ accessToken: accessToken() })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(cache.size).toBe(0);
    });

    it('does not fail a request because refreshing "last used" failed', async () => {
      touch.mockRejectedValueOnce(new Error('database down'));
      expect(await service.authenticate({ accessToken: accessToken() })).toEqual(ALICE_PRINCIPAL);
      expect(touch).toHaveBeenCalledTimes(1);
    });

    it('principalOf answers for claims already verified (the socket path)', async () => {
      expect(await service.principalOf({ sub: 'alice', sid: SID })).toEqual(ALICE_PRINCIPAL);
      await expect(service.principalOf({ sub: 'bob', sid: SID })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });
  });

  describe('session token', () => {
    it('finds the session by the SHA-256 of the token, then serves it from the cache', async () => {
      const first = await service.authenticate({ sessionToken: SESSION_TOKEN });
      expect(first).toEqual(ALICE_PRINCIPAL);
      expect(findByTokenHash).toHaveBeenCalledWith(TOKEN_HASH);
      expect(await service.authenticate({ sessionToken: SESSION_TOKEN })).toBe(first);
      expect(findByTokenHash).toHaveBeenCalledTimes(1);
      expect(find).toHaveBeenCalledTimes(1);
      // Loaded by token, the session is cached by id too: the JWT of the same session reads nothing.
      expect(await service.authenticate({ accessToken: accessToken() })).toBe(first);
      expect(findById).not.toHaveBeenCalled();
    });

    it('refuses an unknown token', async () => {
      findByTokenHash.mockResolvedValueOnce(null);
      await expect(service.authenticate({ sessionToken: 'unknown' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(findByTokenHash).toHaveBeenCalledWith(createHash('sha256').update('unknown').digest('hex'));
      expect(find).not.toHaveBeenCalled();
    });

    it('refuses a revoked session even when it is still cached', async () => {
      const principal = await service.authenticate({ sessionToken: SESSION_TOKEN });
      void revocations.revoke(SID);
      // An entry that got into the cache anyway: the revocation mark is checked on a hit too.
      cache.set({ principal, tokenHash: TOKEN_HASH, expiresAt: SESSION_EXPIRES.getTime(), cachedUntil: T0 + SESSION_CACHE_TTL_MS });
      const strict = build({});
      await expect(strict.authenticate({ sessionToken: SESSION_TOKEN })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('refuses a session revoked while its token lookup is in flight', async () => {
      findByTokenHash.mockImplementationOnce(() => {
        void revocations.revoke(SID);
        return Promise.resolve(session());
      });
      await expect(service.authenticate({ sessionToken: SESSION_TOKEN })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(cache.size).toBe(0);
    });

    it('refuses an expired session as TOKEN_EXPIRED', async () => {
      findByTokenHash.mockResolvedValueOnce(session({ expires_at: new Date(T0 - 1) }));
      await expect(service.authenticate({ sessionToken: SESSION_TOKEN })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    });
  });

  it('refuses a credential with neither kind of token, reading nothing', async () => {
    await expect(build({}).authenticate({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  describe('verify', () => {
    it('tells the JWT expiry for an access token', async () => {
      const token = accessToken();
      const { exp } = jwt.decode<{ exp: number }>(token);
      expect(await service.verify({ accessToken: token })).toEqual({ principal: ALICE_PRINCIPAL, expiresAt: new Date(exp * 1000) });
      expect(exp).toBe(Math.floor(T0 / 1000) + 900);
    });

    it('tells the session expiry for a session token', async () => {
      expect(await service.verify({ sessionToken: SESSION_TOKEN })).toEqual({ principal: ALICE_PRINCIPAL, expiresAt: SESSION_EXPIRES });
    });

    it('fails as authenticate does', async () => {
      await expect(service.verify({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(service.verify({ accessToken: accessToken(undefined, -1) })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
      await expect(service.verify({ accessToken: accessToken({ sub: 'bob', sid: SID }) })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });
  });
});
