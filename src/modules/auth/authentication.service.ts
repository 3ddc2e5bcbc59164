import { Injectable } from '@nestjs/common';
import { AccessClaims, Authenticator } from '../../common/auth/authenticator';
import type { Credential } from '../../common/auth/credentials';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { UsersService } from '../users/users.service';
import { AccessTokens } from './access-tokens.service';
import { CachedSession, SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';
import { SessionRevocations } from './session-revocations';
import { SessionSharing } from './session-sharing';
import { SessionsRepository } from './sessions.repository';
import { hashToken } from './token-hash';

/** How far behind a session's stored "last used" time may be. */
export const LAST_USED_PRECISION_MS = 5 * 60_000;

export interface VerifiedCredential {
  principal: UserPrincipal;
  /** When the presented credential stops working (JWT `exp`, or the session's expiry). */
  expiresAt: Date;
}

/**
 * Turns a credential into the user principal of its session: used by the HTTP
 * guard and the socket handshake middleware. A known, unrevoked session costs
 * no database round-trip (SessionCache), nor does one that another instance
 * loaded (SessionSharing); a revoked one is refused at once (SessionRevocations).
 */
@Injectable()
export class AuthenticationService extends Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersService,
    private readonly cache: SessionCache,
    private readonly revocations: SessionRevocations,
    private readonly sharing: SessionSharing,
  ) {
    super();
  }

  /** Throws AppError UNAUTHORIZED (missing, malformed, unknown, revoked) or TOKEN_EXPIRED. */
  async authenticate(credential: Credential): Promise<UserPrincipal> {
    if (credential.accessToken) return this.principalOf(this.tokens.verify(credential.accessToken));
    if (credential.sessionToken) return (await this.sessionByToken(credential.sessionToken)).principal;
    throw new AppError('UNAUTHORIZED');
  }

  async principalOf(claims: AccessClaims): Promise<UserPrincipal> {
    return (await this.sessionById(claims.sid, claims.sub)).principal;
  }

  /** As authenticate, also telling when the credential expires (POST /auth/verify). */
  async verify(credential: Credential): Promise<VerifiedCredential> {
    if (credential.accessToken) {
      const claims = this.tokens.verify(credential.accessToken);
      const session = await this.sessionById(claims.sid, claims.sub);
      return { principal: session.principal, expiresAt: new Date(claims.exp * 1000) };
    }
    if (credential.sessionToken) {
      const session = await this.sessionByToken(credential.sessionToken);
      return { principal: session.principal, expiresAt: new Date(session.expiresAt) };
    }
    throw new AppError('UNAUTHORIZED');
  }

  /**
   * A session just created by a login, trusted at once: the client's first socket or request on it
   * costs no database read. Not when its user changed (role, deactivation) since the login began:
   * what the login read may predate that change.
   */
  admitNew(principal: UserPrincipal, sessionToken: string, expiresAt: Date, loginStartedAt: number): void {
    if (this.revocations.isRevoked(principal.sessionId) || this.revocations.userChangedSince(principal.userId, loginStartedAt)) return;
    this.admit({ principal, tokenHash: hashToken(sessionToken), expiresAt: expiresAt.getTime(), cachedUntil: Date.now() + SESSION_CACHE_TTL_MS });
  }

  private async sessionById(sessionId: string, userId: string): Promise<CachedSession> {
    if (this.revocations.isRevoked(sessionId)) throw new AppError('UNAUTHORIZED');
    const session = this.cache.getById(sessionId, Date.now()) ?? (await this.load(sessionId, await this.sessions.findById(sessionId)));
    if (session.principal.userId !== userId) throw new AppError('UNAUTHORIZED');
    return session;
  }

  private async sessionByToken(sessionToken: string): Promise<CachedSession> {
    const tokenHash = hashToken(sessionToken);
    const cached = this.cache.getByTokenHash(tokenHash, Date.now());
    if (cached) {
      if (this.revocations.isRevoked(cached.principal.sessionId)) throw new AppError('UNAUTHORIZED');
      return cached;
    }
    const record = await this.sessions.findByTokenHash(tokenHash);
    return this.load(record?._id, record);
  }

  /** Checks a session read from the database (and its user) and caches it. */
  private async load(sessionId: string | undefined, record: Awaited<ReturnType<SessionsRepository['findById']>>): Promise<CachedSession> {
    if (!sessionId || !record || record.revoked_at) throw new AppError('UNAUTHORIZED');
    const now = Date.now();
    if (record.expires_at.getTime() <= now) throw new AppError('TOKEN_EXPIRED');
    const user = await this.users.find(record.user_id);
    if (!user || !user.is_active) throw new AppError('UNAUTHORIZED');
    // A revocation may have landed while we were reading: it wins.
    if (this.revocations.isRevoked(sessionId)) throw new AppError('UNAUTHORIZED');
    // The user changed (role, deactivation) while we were reading: what we read may predate it, so read again.
    if (this.revocations.userChangedSince(user.id, now)) return this.load(sessionId, await this.sessions.findById(sessionId));

    const entry: CachedSession = {
      principal: { kind: 'user', userId: user.id, username: user.username, role: user.role, sessionId },
      tokenHash: record.token_hash,
      expiresAt: record.expires_at.getTime(),
      cachedUntil: now + SESSION_CACHE_TTL_MS,
    };
    this.admit(entry);
    // "Last used" is refreshed when a session is loaded, not per request, and only once it is older than its
    // precision: a reconnect storm of sessions used minutes ago (after a deploy, say) costs no write each.
    if (now - record.last_used_at.getTime() >= LAST_USED_PRECISION_MS) void this.sessions.touch(sessionId, new Date(now)).catch(() => undefined);
    return entry;
  }

  private admit(entry: CachedSession): void {
    this.cache.set(entry);
    this.sharing.offer(entry);
  }
}
