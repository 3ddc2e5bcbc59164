import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import type { Env } from '../../config/env.validation';
import { USER_EVENTS, UserDeactivatedEvent, UserDeletedEvent, UserRoleChangedEvent } from '../users/users.events';
import { AUTH_EVENTS, RevocationReason, SessionRevokedEvent } from './auth.events';
import { SessionRevocations } from './session-revocations';
import { SessionsRepository } from './sessions.repository';
import { hashToken } from './token-hash';

const SWEEP_INTERVAL_MS = 10 * 60_000;
/** Revoked sessions stay a day for the audit trail before the sweep removes them. */
const REVOKED_RETENTION_MS = 86_400_000;
/**
 * A refresh token presented again this soon after its own rotation (two tabs refreshing at once, a retry
 * after a lost response) gets the same successor back instead of revoking the session as stolen.
 */
export const REFRESH_REUSE_GRACE_MS = 10_000;

export interface SessionMetadata {
  ip: string | null;
  userAgent: string | null;
}

export interface NewSessionTokens {
  sessionId: string;
  /** The opaque session token (UUID v4), the login body's `token`. */
  sessionToken: string;
  refreshToken: string;
  expiresAt: Date;
}

export interface RotatedSession {
  sessionId: string;
  userId: string;
  refreshToken: string;
  /** When the rotation happened: a retry within the grace window gets the very same answer, access token included. */
  rotatedAt: Date;
}

/** Session lifecycle: creation, refresh rotation with reuse detection, revocation, expiry sweep. */
@Injectable()
export class SessionsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionsService.name);
  private readonly ttlMs: number;
  /** Keys the derivation of a refresh token's successor, so only this service can compute it. */
  private readonly successorKey: Buffer;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revocations: SessionRevocations,
    private readonly events: EventEmitter2,
    config: ConfigService<Env, true>,
  ) {
    this.ttlMs = config.get('SESSION_TTL_S', { infer: true }) * 1000;
    this.successorKey = createHmac('sha256', config.get<string>('JWT_SECRET')).update('refresh-token-successor').digest();
  }

  onModuleInit(): void {
    this.sweeper = setInterval(() => {
      this.revocations.prune();
      this.sweep().catch((error: Error) => this.logger.warn(`session sweep failed: ${error.message}`));
    }, SWEEP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  async create(userId: string, metadata: SessionMetadata): Promise<NewSessionTokens> {
    const sessionId = randomUUID();
    const sessionToken = randomUUID();
    const refreshToken = newRefreshToken(sessionId);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.sessions.create({
      id: sessionId,
      userId,
      tokenHash: hashToken(sessionToken),
      refreshHash: hashToken(refreshToken),
      ip: metadata.ip,
      userAgent: metadata.userAgent,
      now,
      expiresAt,
    });
    return { sessionId, sessionToken, refreshToken, expiresAt };
  }

  /**
   * Exchanges the current refresh token for the next one. The successor is derived from the
   * presented token (HMAC under a server key), so a second presentation within
   * REFRESH_REUSE_GRACE_MS of the rotation gets the same successor, without storing it. Any other
   * token of a live session that is not its current one was already used (or forged by someone
   * who knows the session id): the family is compromised, so the whole session is revoked.
   */
  async rotate(refreshToken: string): Promise<RotatedSession> {
    const sessionId = sessionIdOf(refreshToken);
    if (!sessionId) throw new AppError('UNAUTHORIZED', 'Invalid refresh token');
    const presentedHash = hashToken(refreshToken);
    const next = this.successorOf(refreshToken);
    const now = new Date();
    const rotated = await this.sessions.rotateRefresh(sessionId, presentedHash, hashToken(next), now);
    if (rotated) return { sessionId, userId: rotated.user_id, refreshToken: next, rotatedAt: now };

    const since = new Date(now.getTime() - REFRESH_REUSE_GRACE_MS);
    const replayed = await this.sessions.findRotatedSince(sessionId, presentedHash, hashToken(next), since, now);
    if (replayed?.rotated_at) return { sessionId, userId: replayed.user_id, refreshToken: next, rotatedAt: replayed.rotated_at };

    const session = await this.sessions.findById(sessionId);
    if (session && !session.revoked_at && session.expires_at.getTime() > now.getTime()) {
      await this.revoke(sessionId, 'refresh_reuse');
      this.logger.warn({ sessionId, userId: session.user_id }, 'refresh token reuse: session revoked');
      throw new AppError('UNAUTHORIZED', 'Refresh token reuse detected; session revoked');
    }
    if (session && !session.revoked_at) throw new AppError('TOKEN_EXPIRED', 'Refresh token expired');
    throw new AppError('UNAUTHORIZED', 'Invalid refresh token');
  }

  /** A new refresh token for a live session (login by session token); the previous one stops working. */
  async restartRefresh(sessionId: string): Promise<string> {
    const next = newRefreshToken(sessionId);
    if (!(await this.sessions.replaceRefresh(sessionId, hashToken(next), new Date()))) throw new AppError('UNAUTHORIZED');
    return next;
  }

  /** Revokes one session; true when this call revoked it (the event fires once). */
  async revoke(sessionId: string, reason: RevocationReason): Promise<boolean> {
    // Effective on this instance before the database even answers, and on the others before this resolves.
    const elsewhere = this.revocations.revoke(sessionId);
    const revoked = await this.sessions.revoke(sessionId, reason, new Date());
    await elsewhere;
    if (!revoked) return false;
    this.events.emit(AUTH_EVENTS.sessionRevoked, { sessionId, userId: revoked.user_id } satisfies SessionRevokedEvent);
    return true;
  }

  async revokeAllOfUser(userId: string, reason: RevocationReason): Promise<number> {
    await this.revocations.revokeUser(userId);
    let count = 0;
    for (const sessionId of await this.sessions.unrevokedIdsOfUser(userId)) {
      if (await this.revoke(sessionId, reason)) count += 1;
    }
    return count;
  }

  /** After a password change: every other session of the user ends; the one that changed it stays. */
  async revokeOthersOfUser(userId: string, keepSessionId: string, reason: RevocationReason): Promise<number> {
    let count = 0;
    for (const sessionId of await this.sessions.unrevokedIdsOfUser(userId)) {
      if (sessionId !== keepSessionId && (await this.revoke(sessionId, reason))) count += 1;
    }
    return count;
  }

  /** Account gone: its sessions are revoked (sockets drop via the event), then deleted with it. */
  @OnEvent(USER_EVENTS.deleted)
  async onUserDeleted({ id }: UserDeletedEvent): Promise<void> {
    try {
      await this.revokeAllOfUser(id, 'user_deleted');
      await this.sessions.deleteOfUser(id);
    } catch (error) {
      // The user is gone, so the session loads refuse anyway; only the cleanup failed.
      this.logger.error({ err: error, userId: id }, 'revoking the sessions of a deleted user failed');
    }
  }

  /** Inactive users cannot stay signed in: every session of theirs is revoked. */
  /** The role is read when a session loads: dropping the cached sessions (on every instance) applies it on the next request. */
  @OnEvent(USER_EVENTS.roleChanged)
  onRoleChanged({ id }: UserRoleChangedEvent): Promise<void> {
    return this.revocations.revokeUser(id);
  }

  @OnEvent(USER_EVENTS.deactivated)
  async onUserDeactivated({ id }: UserDeactivatedEvent): Promise<void> {
    try {
      await this.revokeAllOfUser(id, 'user_deactivated');
    } catch (error) {
      // Loading a session checks is_active, so the account is refused anyway.
      this.logger.error({ err: error, userId: id }, 'revoking the sessions of a deactivated user failed');
    }
  }

  @OnEvent(ADMIN_EVENTS.cleanup)
  async sweep(): Promise<AdminOperationCounts> {
    const now = Date.now();
    const expired = await this.sessions.deleteExpired(new Date(now));
    const revoked = await this.sessions.deleteRevokedBefore(new Date(now - REVOKED_RETENTION_MS));
    return { expired_sessions: expired, revoked_sessions: revoked };
  }

  /** `<session id>.<HMAC of the presented token>`: the same shape as a fresh token, computable only here. */
  private successorOf(refreshToken: string): string {
    const sessionId = sessionIdOf(refreshToken)!;
    return `${sessionId}.${createHmac('sha256', this.successorKey).update(refreshToken).digest('base64url')}`;
  }
}

/** `<session id>.<256 random bits>`: the id finds the family, the secret proves possession. */
function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomBytes(32).toString('base64url')}`;
}

const REFRESH_TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$/;

function sessionIdOf(refreshToken: string): string | undefined {
  return REFRESH_TOKEN.exec(refreshToken)?.[1];
}
