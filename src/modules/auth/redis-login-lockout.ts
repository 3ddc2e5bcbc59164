import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisConnections } from '../../common/redis/redis-connections';
import { globalKey, InMemoryLoginLockout, LockoutSettings, LoginLockout, pairKey } from './login-lockout';

/**
 * Counts a failure under each key (the name from this address, the name from
 * anywhere) and locks the ones that reached their limit, in one step. The
 * window is fixed from a key's first failure: simpler than a sliding log,
 * and no looser than it by more than one window.
 */
const RECORD = `
local function count(failKey, lockKey, max)
  local failures = redis.call('INCR', failKey)
  if failures == 1 then redis.call('PEXPIRE', failKey, ARGV[1]) end
  if failures >= tonumber(max) then
    redis.call('DEL', failKey)
    redis.call('SET', lockKey, '1', 'PX', ARGV[2])
    return 1
  end
  return 0
end
local locked = count(KEYS[1], KEYS[2], ARGV[3]) + count(KEYS[3], KEYS[4], ARGV[4])
if locked > 0 then return tonumber(ARGV[2]) end
return 0`;

type LockoutCommands = Redis & { lockoutRecord(...args: (string | number)[]): Promise<number> };

const failKey = (key: string) => `lockout:failures:${key}`;
const lockKey = (key: string) => `lockout:locked:${key}`;

/**
 * The lockout shared by every instance through Redis. While Redis is away the
 * instance falls back to counting on its own (a lockout per instance is better
 * than none, and logins keep working).
 */
export class RedisLoginLockout extends LoginLockout {
  private readonly logger = new Logger(RedisLoginLockout.name);
  private readonly redis: LockoutCommands;
  private readonly fallback: InMemoryLoginLockout;

  constructor(
    private readonly connections: RedisConnections,
    private readonly settings: LockoutSettings,
  ) {
    super();
    this.redis = connections.commands as LockoutCommands;
    this.redis.defineCommand('lockoutRecord', { numberOfKeys: 4, lua: RECORD });
    this.fallback = new InMemoryLoginLockout(settings);
  }

  async retryAfter(username: string, ip: string): Promise<number> {
    if (!this.connections.available) return this.fallback.retryAfter(username, ip);
    try {
      const results =
        (await this.redis
          .pipeline()
          .pttl(lockKey(pairKey(username, ip)))
          .pttl(lockKey(globalKey(username)))
          .exec()) ?? [];
      const [pair, global] = results.map(([error, ttl]) => {
        if (error) throw error;
        return Number(ttl);
      });
      return Math.max(0, Math.ceil(Math.max(pair, global) / 1000));
    } catch (error) {
      this.degraded(error);
      return this.fallback.retryAfter(username, ip);
    }
  }

  async recordFailure(username: string, ip: string): Promise<number> {
    if (!this.connections.available) return this.fallback.recordFailure(username, ip);
    try {
      const pair = pairKey(username, ip);
      const global = globalKey(username);
      const lockedMs = await this.redis.lockoutRecord(
        failKey(pair),
        lockKey(pair),
        failKey(global),
        lockKey(global),
        this.settings.windowMs,
        this.settings.durationMs,
        this.settings.perAddress,
        this.settings.global,
      );
      return Math.ceil(lockedMs / 1000);
    } catch (error) {
      this.degraded(error);
      return this.fallback.recordFailure(username, ip);
    }
  }

  async reset(username: string, ip: string): Promise<void> {
    if (!this.connections.available) return this.fallback.reset(username, ip);
    try {
      await this.redis.del(failKey(pairKey(username, ip)));
    } catch (error) {
      this.degraded(error);
      await this.fallback.reset(username, ip);
    }
  }

  private degraded(error: unknown): void {
    this.logger.warn(`login lockout counted on this instance only: ${(error as Error).message}`);
  }
}
