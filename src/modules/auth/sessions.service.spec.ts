import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { createHash } from 'node:crypto';
import { StrictStubs, strictMock } from '../../../test/utils/strict-mock';
import type { Env } from '../../config/env.validation';
import { AUTH_EVENTS } from './auth.events';
import type { SessionRecord } from './schemas/session.schema';
import { SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';
import { SessionRevocations } from './session-revocations';
import type { ClusterBus } from '../../common/redis/cluster-bus';
import type { NewSession, SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const TTL_S = 7 * 86_400;
const SID = '0b7a4c52-3b7e-4a55-9d55-5a2f0d1e9c11';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REFRESH = (sessionId: string) => new RegExp(`^${sessionId}\\.[A-Za-z0-9_-]{43}$`);
const REFRESH_TOKEN = `${SID}.${'A'.repeat(43)}`;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    _id: SID,
    user_id: 'alice',
    token_hash: 'token-hash',
    refresh_hash: 'refresh-hash',
    previous_refresh_hash: null,
    rotated_at: null,
    refresh_generation: 3,
    ip: null,
    user_agent: null,
    created_at: new Date(T0 - 60_000),
    last_used_at: new Date(T0 - 60_000),
    expires_at: new Date(T0 + 3_600_000),
    revoked_at: null,
    revoked_reason: null,
    ...overrides,
  };
}

describe('SessionsService', () => {
  let cache: SessionCache;
  let revocations: SessionRevocations;
  let emit: jest.Mock;

  /** The service with only the given repository methods stubbed: any other repository call fails the test. */
  function build(repository: StrictStubs<SessionsRepository>): SessionsService {
    const config = strictMock<ConfigService<Env, true>>(
      { get: jest.fn((name: keyof Env) => ({ SESSION_TTL_S: TTL_S, JWT_SECRET: 'unit-test-signing-key-0123456789abcdef' })[name as string]) },
      'config',
    );
    return new SessionsService(
      strictMock<SessionsRepository>(repository, 'sessions repository'),
      revocations,
      strictMock<EventEmitter2>({ emit }, 'events'),
      config,
    );
  }

  /** Puts a loaded session of `userId` in the cache, as AuthenticationService would. */
  function cached(sessionId: string, userId: string): void {
    cache.set({
      principal: { kind: 'user', userId, username: userId, role: 'user', sessionId },
      tokenHash: `hash-${sessionId}`,
      expiresAt: T0 + 3_600_000,
      cachedUntil: T0 + SESSION_CACHE_TTL_MS,
    });
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    cache = new SessionCache();
    revocations = new SessionRevocations(cache, strictMock<ClusterBus>({ deliver: jest.fn().mockResolvedValue(undefined) }, 'cluster bus'));
    emit = jest.fn().mockReturnValue(true);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('create', () => {
    it('stores only the hashes of the tokens it hands out, with the configured lifetime', async () => {
      const create = jest.fn<Promise<void>, [NewSession]>().mockResolvedValue(undefined);
      const tokens = await build({ create }).create('alice', { ip: '10.0.0.7', userAgent: 'jest' });

      expect(tokens.sessionId).toMatch(UUID_V4);
      expect(tokens.sessionToken).toMatch(UUID_V4);
      expect(tokens.sessionToken).not.toBe(tokens.sessionId);
      expect(tokens.refreshToken).toMatch(REFRESH(tokens.sessionId));
      expect(tokens.expiresAt).toEqual(new Date(T0 + TTL_S * 1000));
      expect(create).toHaveBeenCalledTimes(1);
      expect(create).toHaveBeenCalledWith({
        id: tokens.sessionId,
        userId: 'alice',
        tokenHash: sha256(tokens.sessionToken),
        refreshHash: sha256(tokens.refreshToken),
        ip: '10.0.0.7',
        userAgent: 'jest',
        now: new Date(T0),
        expiresAt: new Date(T0 + TTL_S * 1000),
      });
      const stored = JSON.stringify(create.mock.calls[0][0]);
      expect(stored).not.toContain(tokens.sessionToken);
      expect(stored).not.toContain(tokens.refreshToken.split('.')[1]);
    });

    it('issues different tokens for every session', async () => {
      const service = build({ create: jest.fn().mockResolvedValue(undefined) });
      const [a, b] = [await service.create('alice', { ip: null, userAgent: null }), await service.create('alice', { ip: null, userAgent: null })];
      expect(new Set([a.sessionId, b.sessionId, a.sessionToken, b.sessionToken]).size).toBe(4);
      expect(a.refreshToken).not.toBe(b.refreshToken);
    });
  });

  describe('rotate', () => {
    it('spends the presented refresh token and issues the next one of the same session', async () => {
      const rotateRefresh = jest.fn().mockResolvedValue(session());
      const rotated = await build({ rotateRefresh }).rotate(REFRESH_TOKEN);

      expect(rotated.sessionId).toBe(SID);
      expect(rotated.userId).toBe('alice');
      expect(rotated.refreshToken).toMatch(REFRESH(SID));
      expect(rotated.refreshToken).not.toBe(REFRESH_TOKEN);
      expect(rotateRefresh).toHaveBeenCalledWith(SID, sha256(REFRESH_TOKEN), sha256(rotated.refreshToken), new Date(T0));
      expect(rotated.rotatedAt).toEqual(new Date(T0));
      expect(emit).not.toHaveBeenCalled();
    });

    it('gives a token presented again within the grace window the same successor, and revokes nothing', async () => {
      const first = await build({ rotateRefresh: jest.fn().mockResolvedValue(session()) }).rotate(REFRESH_TOKEN);
      jest.setSystemTime(T0 + 4_000);
      const findRotatedSince = jest.fn().mockResolvedValue(session({ previous_refresh_hash: sha256(REFRESH_TOKEN), rotated_at: new Date(T0) }));
      const again = await build({ rotateRefresh: jest.fn().mockResolvedValue(null), findRotatedSince }).rotate(REFRESH_TOKEN);

      expect(again).toEqual(first);
      expect(findRotatedSince).toHaveBeenCalledWith(
        SID,
        sha256(REFRESH_TOKEN),
        sha256(first.refreshToken),
        new Date(T0 + 4_000 - 10_000),
        new Date(T0 + 4_000),
      );
      expect(revocations.isRevoked(SID)).toBe(false);
      expect(emit).not.toHaveBeenCalled();
    });

    it('refuses a malformed token without a database call', async () => {
      const service = build({});
      for (const token of ['', 'nope', `${SID}.short`, `${SID.toUpperCase()}.${'A'.repeat(43)}`, `${SID}.${'A'.repeat(43)}x`]) {
        await expect(service.rotate(token)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid refresh token' });
      }
    });

    it('detects reuse: a spent token of a live session revokes the session and publishes the revocation', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const rotateRefresh = jest.fn().mockResolvedValue(null);
      const findRotatedSince = jest.fn().mockResolvedValue(null);
      const findById = jest.fn().mockResolvedValue(session());
      const revoke = jest.fn().mockResolvedValue(session({ revoked_at: new Date(T0), revoked_reason: 'refresh_reuse' }));
      cached(SID, 'alice');

      await expect(build({ rotateRefresh, findRotatedSince, findById, revoke }).rotate(REFRESH_TOKEN)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'Refresh token reuse detected; session revoked',
      });
      expect(findById).toHaveBeenCalledWith(SID);
      expect(revoke).toHaveBeenCalledWith(SID, 'refresh_reuse', new Date(T0));
      expect(revocations.isRevoked(SID)).toBe(true);
      expect(cache.getById(SID, T0)).toBeUndefined();
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith(AUTH_EVENTS.sessionRevoked, { sessionId: SID, userId: 'alice' });
      expect(warn).toHaveBeenCalledWith({ sessionId: SID, userId: 'alice' }, 'refresh token reuse: session revoked');
    });

    it('answers TOKEN_EXPIRED for an expired session and revokes nothing', async () => {
      const findById = jest.fn().mockResolvedValue(session({ expires_at: new Date(T0) }));
      await expect(
        build({ rotateRefresh: jest.fn().mockResolvedValue(null), findRotatedSince: jest.fn().mockResolvedValue(null), findById }).rotate(REFRESH_TOKEN),
      ).rejects.toMatchObject({
        code: 'TOKEN_EXPIRED',
        message: 'Refresh token expired',
      });
      expect(revocations.isRevoked(SID)).toBe(false);
      expect(emit).not.toHaveBeenCalled();
    });

    it('answers UNAUTHORIZED for a revoked or unknown session and revokes nothing', async () => {
      const findById = jest
        .fn()
        .mockResolvedValueOnce(session({ revoked_at: new Date(T0 - 1), revoked_reason: 'logout' }))
        .mockResolvedValueOnce(null);
      const service = build({ rotateRefresh: jest.fn().mockResolvedValue(null), findRotatedSince: jest.fn().mockResolvedValue(null), findById });
      await expect(service.rotate(REFRESH_TOKEN)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid refresh token' });
      await expect(service.rotate(REFRESH_TOKEN)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid refresh token' });
      expect(findById).toHaveBeenCalledTimes(2);
      expect(revocations.isRevoked(SID)).toBe(false);
      expect(emit).not.toHaveBeenCalled();
    });
  });

  describe('restartRefresh', () => {
    it('replaces the refresh token of a live session with a new one', async () => {
      const replaceRefresh = jest.fn().mockResolvedValue(session());
      const next = await build({ replaceRefresh }).restartRefresh(SID);
      expect(next).toMatch(REFRESH(SID));
      expect(replaceRefresh).toHaveBeenCalledWith(SID, sha256(next), new Date(T0));
    });

    it('refuses a session that is gone, revoked or expired', async () => {
      const service = build({ replaceRefresh: jest.fn().mockResolvedValue(null) });
      await expect(service.restartRefresh(SID)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });
  });

  describe('revoke', () => {
    it('takes effect on this instance before the database answers, and publishes once', async () => {
      const revoke = jest.fn(() => {
        expect(revocations.isRevoked(SID)).toBe(true);
        return Promise.resolve(session({ revoked_at: new Date(T0), revoked_reason: 'logout' }));
      });
      cached(SID, 'alice');
      expect(await build({ revoke }).revoke(SID, 'logout')).toBe(true);
      expect(revoke).toHaveBeenCalledWith(SID, 'logout', new Date(T0));
      expect(cache.size).toBe(0);
      expect(emit).toHaveBeenCalledTimes(1);
      expect(emit).toHaveBeenCalledWith(AUTH_EVENTS.sessionRevoked, { sessionId: SID, userId: 'alice' });
    });

    it('answers false and publishes nothing for a session already revoked', async () => {
      const revoke = jest.fn().mockResolvedValue(null);
      expect(await build({ revoke }).revoke(SID, 'logout')).toBe(false);
      expect(revocations.isRevoked(SID)).toBe(true);
      expect(emit).not.toHaveBeenCalled();
    });
  });

  describe('revoking the sessions of a user', () => {
    const revokedOnce = (alreadyRevoked: string[] = []) =>
      jest.fn((id: string) => Promise.resolve(alreadyRevoked.includes(id) ? null : session({ _id: id, revoked_at: new Date(T0) })));

    it('revokeOthersOfUser ends every other session and keeps the current one', async () => {
      const unrevokedIdsOfUser = jest.fn().mockResolvedValue(['s1', 'keep', 's2', 's3']);
      const revoke = revokedOnce(['s3']);
      cached('keep', 'alice');

      expect(await build({ unrevokedIdsOfUser, revoke }).revokeOthersOfUser('alice', 'keep', 'password_changed')).toBe(2);
      expect(unrevokedIdsOfUser).toHaveBeenCalledWith('alice');
      expect(revoke.mock.calls).toEqual([
        ['s1', 'password_changed', new Date(T0)],
        ['s2', 'password_changed', new Date(T0)],
        ['s3', 'password_changed', new Date(T0)],
      ]);
      expect(emit.mock.calls).toEqual([
        [AUTH_EVENTS.sessionRevoked, { sessionId: 's1', userId: 'alice' }],
        [AUTH_EVENTS.sessionRevoked, { sessionId: 's2', userId: 'alice' }],
      ]);
      expect(revocations.isRevoked('keep')).toBe(false);
      expect(cache.getById('keep', T0)).toBeDefined();
    });

    it("revokeAllOfUser evicts the user's cached sessions and revokes every unrevoked one", async () => {
      const unrevokedIdsOfUser = jest.fn().mockResolvedValue(['s1', 's2']);
      const revoke = revokedOnce();
      cached('s1', 'alice');
      cached('other', 'alice');
      cached('b1', 'bob');

      expect(await build({ unrevokedIdsOfUser, revoke }).revokeAllOfUser('alice', 'user_deactivated')).toBe(2);
      expect(revoke.mock.calls).toEqual([
        ['s1', 'user_deactivated', new Date(T0)],
        ['s2', 'user_deactivated', new Date(T0)],
      ]);
      expect(cache.getById('other', T0)).toBeUndefined();
      expect(cache.getById('b1', T0)).toBeDefined();
      expect(emit).toHaveBeenCalledTimes(2);
    });

    it("a deleted user's sessions are revoked, then deleted", async () => {
      const order: string[] = [];
      const unrevokedIdsOfUser = jest.fn().mockResolvedValue(['s1']);
      const revoke = jest.fn((id: string) => {
        order.push(`revoke ${id}`);
        return Promise.resolve(session({ _id: id }));
      });
      const deleteOfUser = jest.fn(() => {
        order.push('delete');
        return Promise.resolve(1);
      });

      await build({ unrevokedIdsOfUser, revoke, deleteOfUser }).onUserDeleted({ id: 'alice' });
      expect(order).toEqual(['revoke s1', 'delete']);
      expect(revoke).toHaveBeenCalledWith('s1', 'user_deleted', new Date(T0));
      expect(deleteOfUser).toHaveBeenCalledWith('alice');
    });

    it("a deactivated user's sessions are revoked", async () => {
      const revoke = revokedOnce();
      await build({ unrevokedIdsOfUser: jest.fn().mockResolvedValue(['s1']), revoke }).onUserDeactivated({ id: 'alice' });
      expect(revoke).toHaveBeenCalledWith('s1', 'user_deactivated', new Date(T0));
    });

    it('event handlers log a database failure instead of throwing it', async () => {
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const failure = new Error('database down');
      const service = build({ unrevokedIdsOfUser: jest.fn().mockRejectedValue(failure) });
      await expect(service.onUserDeleted({ id: 'alice' })).resolves.toBeUndefined();
      await expect(service.onUserDeactivated({ id: 'alice' })).resolves.toBeUndefined();
      expect(error.mock.calls).toEqual([
        [{ err: failure, userId: 'alice' }, 'revoking the sessions of a deleted user failed'],
        [{ err: failure, userId: 'alice' }, 'revoking the sessions of a deactivated user failed'],
      ]);
    });
  });

  describe('sweep', () => {
    it('deletes expired sessions and those revoked more than a day ago, and reports the counts', async () => {
      const deleteExpired = jest.fn().mockResolvedValue(4);
      const deleteRevokedBefore = jest.fn().mockResolvedValue(2);
      expect(await build({ deleteExpired, deleteRevokedBefore }).sweep()).toEqual({ expired_sessions: 4, revoked_sessions: 2 });
      expect(deleteExpired).toHaveBeenCalledWith(new Date(T0));
      expect(deleteRevokedBefore).toHaveBeenCalledWith(new Date(T0 - 86_400_000));
    });

    it('runs every ten minutes from start-up until shutdown, forgetting old revocation marks', async () => {
      const deleteExpired = jest.fn().mockResolvedValue(0);
      const deleteRevokedBefore = jest.fn().mockResolvedValue(0);
      const service = build({ deleteExpired, deleteRevokedBefore });
      void revocations.revoke('old');
      service.onModuleInit();

      await jest.advanceTimersByTimeAsync(10 * 60_000 - 1);
      expect(deleteExpired).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(deleteExpired).toHaveBeenCalledTimes(1);
      expect(deleteRevokedBefore).toHaveBeenCalledTimes(1);
      expect(revocations.isRevoked('old')).toBe(false);

      service.onApplicationShutdown();
      await jest.advanceTimersByTimeAsync(30 * 60_000);
      expect(deleteExpired).toHaveBeenCalledTimes(1);
    });
  });
});
