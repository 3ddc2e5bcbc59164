import { Injectable, OnModuleInit } from '@nestjs/common';
import { ROLES, Role } from '../../common/auth/principal';
import { ClusterBus } from '../../common/redis/cluster-bus';
import { CachedSession, SESSION_CACHE_TTL_MS, SessionCache } from './session-cache';
import { SESSIONS_BUS_TOPIC, SessionRevocations } from './session-revocations';

/** Ids are UUIDs, names at most 32 characters, token hashes 64 hex digits: anything longer is not ours. */
const MAX_FIELD_LENGTH = 128;

interface LoadedMessage {
  kind: 'loaded';
  sessionId: string;
  userId: string;
  username: string;
  role: Role;
  tokenHash: string;
  /** Session expiry (epoch ms). */
  expiresAt: number;
}

/**
 * With several instances, a session that one instance loaded from the database is
 * offered to the others on the cluster bus, so a client whose requests land on
 * another instance costs no second read there (nor of its user) for the cache
 * period. On the same topic as the revocations, so each instance hears a load and
 * a revocation in the order Redis saw them: a revocation heard first leaves a mark
 * that refuses the load; one heard after evicts it. An offer for a user whose
 * sessions were evicted within the marks' lifetime (role change, deactivation) is
 * refused too, since it may have been read before the change: that user's next
 * request reads the database. Received entries are trusted for the cache period from
 * their arrival, like a load here.
 *
 * Why not a shared cache in Redis: a Redis GET on every local miss is a round trip
 * on the request path (and revocation would have to reach Redis entries too, by
 * session and by user), while an offer costs the others one small message per
 * session load, off the request path, and revocation keeps its one mechanism.
 */
@Injectable()
export class SessionSharing implements OnModuleInit {
  constructor(
    private readonly cache: SessionCache,
    private readonly revocations: SessionRevocations,
    private readonly bus: ClusterBus,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(SESSIONS_BUS_TOPIC, (message) => {
      const loaded = loadedMessage(message);
      if (loaded) this.received(loaded, Date.now());
    });
  }

  /** Tells the other instances about a session just loaded (and checked) here. */
  offer(entry: CachedSession): void {
    if (!this.bus.enabled) return;
    const { sessionId, userId, username, role } = entry.principal;
    this.bus.publish(SESSIONS_BUS_TOPIC, {
      kind: 'loaded',
      sessionId,
      userId,
      username,
      role,
      tokenHash: entry.tokenHash,
      expiresAt: entry.expiresAt,
    } satisfies LoadedMessage);
  }

  private received(loaded: LoadedMessage, now: number): void {
    if (loaded.expiresAt <= now) return;
    if (this.revocations.isRevoked(loaded.sessionId) || this.revocations.userChangedRecently(loaded.userId, now)) return;
    // A session this instance already trusts keeps its own entry (and its own trust period).
    if (this.cache.getById(loaded.sessionId, now)) return;
    const { sessionId, userId, username, role, tokenHash, expiresAt } = loaded;
    this.cache.set({ principal: { kind: 'user', userId, username, role, sessionId }, tokenHash, expiresAt, cachedUntil: now + SESSION_CACHE_TTL_MS });
  }
}

/** The offer in a bus message, or undefined for anything else (a revocation, or a malformed message). */
function loadedMessage(message: unknown): LoadedMessage | undefined {
  if (typeof message !== 'object' || message === null || (message as { kind?: unknown }).kind !== 'loaded') return undefined;
  const { sessionId, userId, username, role, tokenHash, expiresAt } = message as Record<string, unknown>;
  if (![sessionId, userId, username, tokenHash].every((field) => typeof field === 'string' && field.length > 0 && field.length <= MAX_FIELD_LENGTH))
    return undefined;
  if (!ROLES.includes(role as Role) || typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) return undefined;
  return { kind: 'loaded', sessionId, userId, username, role, tokenHash, expiresAt } as LoadedMessage;
}
