import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run by its SHA1 (EVALSHA), so the hot paths send Redis a
 * 40-character digest instead of the script's text on every call, and Redis
 * does not hash that text again each time. A Redis that does not know the
 * script yet (first use, restart, SCRIPT FLUSH) answers NOSCRIPT: the script
 * then goes once with EVAL, which also caches it there.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, numberOfKeys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.lua, numberOfKeys, ...args);
    }
  }
}
