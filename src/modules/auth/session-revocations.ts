import { Injectable, OnModuleInit } from '@nestjs/common';
import { ClusterBus } from '../../common/redis/cluster-bus';
import { SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';

/** Revocations, and the session loads SessionSharing offers, in one ordered stream. */
export const SESSIONS_BUS_TOPIC = 'sessions';
/** Marks outlive any session load that could still race them. */
const MARK_MS = 2 * SESSION_CACHE_TTL_MS;
/** Bounds the marks; far above the revocations of two cache periods in any real deployment. */
const MAX_MARKS = 100_000;

type RevocationMessage = { kind: 'session'; sessionId: string } | { kind: 'user'; userId: string };

/**
 * The one place that decides "is this session revoked?" on this instance. The
 * database is the record; this makes a revocation take effect at once by evicting
 * the cached session and remembering the id long enough to beat a load that was
 * already in flight when the revocation happened. A user-wide eviction (account
 * deactivated, role changed) is remembered the same way, so a load that read the
 * user before the change is not cached. With several instances every call is
 * repeated on the others through the cluster bus, so it holds everywhere at once.
 */
@Injectable()
export class SessionRevocations implements OnModuleInit {
  private readonly revoked = new Map<string, number>();
  /** user id → when its cached sessions were last evicted (epoch ms). */
  private readonly usersChanged = new Map<string, number>();

  constructor(
    private readonly cache: SessionCache,
    private readonly bus: ClusterBus,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(SESSIONS_BUS_TOPIC, (message) => {
      const { kind, sessionId, userId } = (message ?? {}) as { kind?: unknown; sessionId?: unknown; userId?: unknown };
      if (kind === 'session' && typeof sessionId === 'string') this.revokeHere(sessionId, Date.now());
      else if (kind === 'user' && typeof userId === 'string') this.evictUserHere(userId, Date.now());
    });
  }

  /** Effective here at once, and on the other instances once this resolves. */
  revoke(sessionId: string, now = Date.now()): Promise<void> {
    this.revokeHere(sessionId, now);
    return this.bus.deliver(SESSIONS_BUS_TOPIC, { kind: 'session', sessionId } satisfies RevocationMessage);
  }

  /** The user's sessions are reloaded from the database on their next request (which then sees the change, or refuses them). */
  revokeUser(userId: string, now = Date.now()): Promise<void> {
    this.evictUserHere(userId, now);
    return this.bus.deliver(SESSIONS_BUS_TOPIC, { kind: 'user', userId } satisfies RevocationMessage);
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.size > 0 && this.revoked.has(sessionId);
  }

  /** True when the user's sessions were evicted at or after `since`: a load begun at `since` may hold stale data. */
  userChangedSince(userId: string, since: number): boolean {
    const changed = this.usersChanged.get(userId);
    return changed !== undefined && changed >= since;
  }

  /** True when the user's sessions were evicted within the marks' lifetime: anything read about them from elsewhere may predate it. */
  userChangedRecently(userId: string, now = Date.now()): boolean {
    return this.userChangedSince(userId, now - MARK_MS);
  }

  /** Forgets marks older than any load that could still race them. */
  prune(now = Date.now()): void {
    for (const [sessionId, until] of this.revoked) if (until <= now) this.revoked.delete(sessionId);
    for (const [userId, at] of this.usersChanged) if (at + MARK_MS <= now) this.usersChanged.delete(userId);
  }

  private revokeHere(sessionId: string, now: number): void {
    remember(this.revoked, sessionId, now + MARK_MS);
    this.cache.evict(sessionId);
  }

  private evictUserHere(userId: string, now: number): void {
    remember(this.usersChanged, userId, now);
    this.cache.evictUser(userId);
  }
}

/** Sets a mark, dropping the oldest when full (a dropped mark only costs a database read). */
function remember(marks: Map<string, number>, key: string, value: number): void {
  marks.delete(key);
  if (marks.size >= MAX_MARKS) {
    const oldest = marks.keys().next().value;
    if (oldest !== undefined) marks.delete(oldest);
  }
  marks.set(key, value);
}
