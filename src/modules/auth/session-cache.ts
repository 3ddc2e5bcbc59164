import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../../common/auth/principal';

/** How long a loaded session is trusted without asking the database again (role changes apply within it). */
export const SESSION_CACHE_TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

export interface CachedSession {
  /** Shared by every request of the session: not copied per request. */
  principal: UserPrincipal;
  tokenHash: string;
  /** Session expiry (epoch ms). */
  expiresAt: number;
  /** End of this entry's trust (epoch ms). */
  cachedUntil: number;
}

/**
 * Live sessions of this instance, by id and by session-token hash, so that a
 * request on a known session costs no database round-trip. Bounded: the oldest
 * entry goes first when full. Revocation evicts entries (SessionRevocations).
 */
@Injectable()
export class SessionCache {
  private readonly byId = new Map<string, CachedSession>();
  private readonly byTokenHash = new Map<string, CachedSession>();
  private readonly byUser = new Map<string, Set<string>>();

  getById(sessionId: string, now: number): CachedSession | undefined {
    return this.fresh(this.byId.get(sessionId), now);
  }

  getByTokenHash(tokenHash: string, now: number): CachedSession | undefined {
    return this.fresh(this.byTokenHash.get(tokenHash), now);
  }

  set(entry: CachedSession): void {
    const sessionId = entry.principal.sessionId;
    this.evict(sessionId);
    if (this.byId.size >= MAX_ENTRIES) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.evict(oldest);
    }
    this.byId.set(sessionId, entry);
    this.byTokenHash.set(entry.tokenHash, entry);
    let sessions = this.byUser.get(entry.principal.userId);
    if (!sessions) this.byUser.set(entry.principal.userId, (sessions = new Set()));
    sessions.add(sessionId);
  }

  evict(sessionId: string): void {
    const entry = this.byId.get(sessionId);
    if (!entry) return;
    this.byId.delete(sessionId);
    this.byTokenHash.delete(entry.tokenHash);
    const sessions = this.byUser.get(entry.principal.userId);
    sessions?.delete(sessionId);
    if (sessions?.size === 0) this.byUser.delete(entry.principal.userId);
  }

  /** Drops every cached session of a user (account deleted or deactivated): the next request reloads. */
  evictUser(userId: string): void {
    for (const sessionId of [...(this.byUser.get(userId) ?? [])]) this.evict(sessionId);
  }

  get size(): number {
    return this.byId.size;
  }

  private fresh(entry: CachedSession | undefined, now: number): CachedSession | undefined {
    if (!entry) return undefined;
    if (now < entry.cachedUntil && now < entry.expiresAt) return entry;
    this.evict(entry.principal.sessionId);
    return undefined;
  }
}
