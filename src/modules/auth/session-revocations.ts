import { Injectable } from '@nestjs/common';
import { SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';

/**
 * The one place that decides "is this session revoked?" on this instance. The
 * database is the record; this makes a revocation take effect at once by evicting
 * the cached session and remembering the id long enough to beat a load that was
 * already in flight when the revocation happened. A cross-instance feed (Redis
 * pub/sub) only has to call `revoke` / `revokeUser` on every instance.
 */
@Injectable()
export class SessionRevocations {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly cache: SessionCache) {}

  revoke(sessionId: string, now = Date.now()): void {
    this.revoked.set(sessionId, now + 2 * SESSION_CACHE_TTL_MS);
    this.cache.evict(sessionId);
  }

  /** The user's sessions are reloaded from the database on their next request (which then refuses them). */
  revokeUser(userId: string): void {
    this.cache.evictUser(userId);
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.size > 0 && this.revoked.has(sessionId);
  }

  /** Forgets marks older than any load that could still race them. */
  prune(now = Date.now()): void {
    for (const [sessionId, until] of this.revoked) if (until <= now) this.revoked.delete(sessionId);
  }
}
