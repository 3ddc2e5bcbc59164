import type { Redis } from 'ioredis';
import { USER_COUNTER_NAMES, UserCounters } from './schemas/user-stats.schema';
import type { UserStatsDelta } from './user-stats.repository';

/**
 * Where counters wait between the instance that counted them and the
 * database, when several instances share Redis: every instance sees what the
 * others counted but did not write yet, and exactly one of them writes it.
 * One process has nothing to exchange (`LocalUserStats`).
 */
export abstract class UserStatsExchange {
  abstract readonly shared: boolean;
  /** It can answer now; while not, a call would wait (Redis reconnecting) before failing. */
  abstract readonly available: boolean;
  /** Hands this instance's deltas over (atomically: all of them or none). */
  abstract push(deltas: Map<string, UserStatsDelta>): Promise<void>;
  /** Takes every pending delta for writing; no other instance gets them. */
  abstract take(): Promise<Map<string, UserStatsDelta>>;
  /** What every instance counted for the user and nobody wrote yet. */
  abstract pendingOf(userId: string): Promise<UserStatsDelta | undefined>;
  abstract forget(userId: string): Promise<void>;
  abstract clear(): Promise<void>;
}

/** One process: its pending deltas are all there is. */
export class LocalUserStats extends UserStatsExchange {
  readonly shared = false;
  readonly available = true;
  push(): Promise<void> {
    return Promise.resolve();
  }
  take(): Promise<Map<string, UserStatsDelta>> {
    return Promise.resolve(new Map<string, UserStatsDelta>());
  }
  pendingOf(): Promise<UserStatsDelta | undefined> {
    return Promise.resolve(undefined);
  }
  forget(): Promise<void> {
    return Promise.resolve();
  }
  clear(): Promise<void> {
    return Promise.resolve();
  }
}

const LAST_SEEN = 'last_seen';

/** Moves every dirty user's hash out at once: KEYS[1] the dirty set; ARGV[1] the hash prefix. Answers user, field/value pairs… */
const TAKE = `
local out = {}
for _, user in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. user
  table.insert(out, user)
  table.insert(out, redis.call('HGETALL', key))
  redis.call('DEL', key)
end
redis.call('DEL', KEYS[1])
return out`;

/**
 * Pending user counters in Redis: a hash per user (`HINCRBY` per counter,
 * `last_seen` in epoch ms, the latest kept) and a set of users with something
 * pending. `take` empties both in one script.
 */
export class RedisUserStats extends UserStatsExchange {
  readonly shared = true;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'userstats',
  ) {
    super();
  }

  get available(): boolean {
    return this.redis.status === 'ready';
  }

  async push(deltas: Map<string, UserStatsDelta>): Promise<void> {
    if (deltas.size === 0) return;
    const multi = this.redis.multi();
    for (const [userId, delta] of deltas) {
      const key = this.key(userId);
      for (const name of USER_COUNTER_NAMES) {
        const value = delta.counters[name];
        if (value) multi.hincrby(key, name, value);
      }
      if (delta.lastSeen) multi.hset(key, LAST_SEEN, String(delta.lastSeen.getTime()));
      multi.sadd(this.dirtyKey, userId);
    }
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('user statistics not handed over');
  }

  async take(): Promise<Map<string, UserStatsDelta>> {
    const flat = (await this.redis.eval(TAKE, 1, this.dirtyKey, `${this.prefix}:pending:`)) as (string | string[])[];
    const taken = new Map<string, UserStatsDelta>();
    for (let index = 0; index + 1 < flat.length; index += 2) {
      const delta = toDelta(flat[index + 1] as string[]);
      if (delta) taken.set(flat[index] as string, delta);
    }
    return taken;
  }

  async pendingOf(userId: string): Promise<UserStatsDelta | undefined> {
    const fields = await this.redis.hgetall(this.key(userId));
    return toDelta(Object.entries(fields).flat());
  }

  async forget(userId: string): Promise<void> {
    await this.redis.multi().del(this.key(userId)).srem(this.dirtyKey, userId).exec();
  }

  async clear(): Promise<void> {
    await this.take();
  }

  private get dirtyKey(): string {
    return `${this.prefix}:dirty`;
  }

  private key(userId: string): string {
    return `${this.prefix}:pending:${userId}`;
  }
}

function toDelta(pairs: string[]): UserStatsDelta | undefined {
  if (pairs.length === 0) return undefined;
  const counters: Partial<UserCounters> = {};
  let lastSeen: Date | undefined;
  for (let index = 0; index + 1 < pairs.length; index += 2) {
    const [name, value] = [pairs[index], Number(pairs[index + 1])];
    if (name === LAST_SEEN) lastSeen = new Date(value);
    else if ((USER_COUNTER_NAMES as readonly string[]).includes(name) && value) counters[name as keyof UserCounters] = value;
  }
  return lastSeen ? { counters, lastSeen } : { counters };
}
