import { Injectable, OnModuleInit } from '@nestjs/common';
import { ClusterBus } from '../../common/redis/cluster-bus';
import { RedisConnections } from '../../common/redis/redis-connections';
import type { PublicUser } from './user.presenter';

/** A backstop only: every write of the users module drops the entry at once, on every instance. */
export const USER_PROFILE_TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;
const BUS_TOPIC = 'users';
/** User ids are UUIDs; anything longer on the bus is not ours. */
const MAX_ID_LENGTH = 64;

interface Entry {
  user: PublicUser;
  /** End of this entry's trust (epoch ms). */
  until: number;
}

/**
 * Recently read accounts of this instance, so that "read my own user" (`GET /auth/user`,
 * a session load, a refresh) costs no database read. The users module drops an entry after
 * each of its writes (`invalidate`), here and, through the cluster bus, on every other
 * instance. A read that was under way when the entry was dropped may have read the old
 * document: it answers its callers but is not kept. Concurrent reads of one account share
 * one database read. Bounded: the oldest entry goes first when full. Entries are shared by
 * every caller and frozen. With several instances, nothing is cached while Redis is away (an
 * invalidation sent meanwhile is lost), and the cache starts empty again when it returns.
 */
@Injectable()
export class UserProfileCache implements OnModuleInit {
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new Map<string, Promise<PublicUser | null>>();
  /** Whether the other instances' invalidations could reach us at the last look. */
  private busUp = true;

  constructor(
    private readonly bus: ClusterBus,
    private readonly redis: RedisConnections,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(BUS_TOPIC, (message) => {
      const id = (message as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id.length <= MAX_ID_LENGTH) this.forget(id);
    });
  }

  /** The cached account, or undefined when there is none fresh (then `load` it). */
  get(id: string, now = Date.now()): PublicUser | undefined {
    if (!this.trusted()) return undefined;
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (now < entry.until) return entry.user;
    this.entries.delete(id);
    return undefined;
  }

  /** Reads through `read` (once for all concurrent callers) and keeps the result unless it was invalidated meanwhile. */
  load(id: string, read: () => Promise<PublicUser | null>, now = Date.now()): Promise<PublicUser | null> {
    if (!this.trusted()) return read();
    const pending = this.loads.get(id);
    if (pending) return pending;
    const load: Promise<PublicUser | null> = read().then(
      (user) => {
        if (this.loads.get(id) !== load) return user;
        this.loads.delete(id);
        if (user) this.store(id, user, now);
        return user;
      },
      (error: unknown) => {
        if (this.loads.get(id) === load) this.loads.delete(id);
        throw error;
      },
    );
    this.loads.set(id, load);
    return load;
  }

  /** After a write of the account: the next read on any instance goes to the database (once this resolves, for the others). */
  invalidate(id: string): Promise<void> {
    this.forget(id);
    return this.bus.deliver(BUS_TOPIC, { id });
  }

  get size(): number {
    return this.entries.size;
  }

  private store(id: string, user: PublicUser, now: number): void {
    this.entries.delete(id);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(id, { user: Object.freeze(user), until: now + USER_PROFILE_TTL_MS });
  }

  /** False while Redis is away with other instances about; any change of that empties the cache. */
  private trusted(): boolean {
    if (!this.redis.enabled) return true;
    const up = this.redis.available;
    if (up !== this.busUp) {
      this.busUp = up;
      this.entries.clear();
      this.loads.clear();
    }
    return up;
  }

  /** Also detaches a read under way, so that it is not kept and later callers read again. */
  private forget(id: string): void {
    this.entries.delete(id);
    this.loads.delete(id);
  }
}
