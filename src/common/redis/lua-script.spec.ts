import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script';

const LUA = "return ARGV[1] .. 'x'";
const SHA = createHash('sha1').update(LUA).digest('hex');

function redisWith(evalsha: jest.Mock, evalScript: jest.Mock = jest.fn()): Redis {
  return { evalsha, eval: evalScript } as unknown as Redis;
}

describe('LuaScript', () => {
  it('runs by the SHA1 of its text', async () => {
    const evalsha = jest.fn().mockResolvedValue('ax');
    await expect(new LuaScript(LUA).run(redisWith(evalsha), 0, 'a')).resolves.toBe('ax');
    expect(evalsha).toHaveBeenCalledWith(SHA, 0, 'a');
  });

  it('sends the text once when Redis does not know the script', async () => {
    const evalsha = jest.fn().mockRejectedValue(new Error('NOSCRIPT No matching script. Please use EVAL.'));
    const evalScript = jest.fn().mockResolvedValue('bx');
    await expect(new LuaScript(LUA).run(redisWith(evalsha, evalScript), 1, 'key', 'b')).resolves.toBe('bx');
    expect(evalScript).toHaveBeenCalledWith(LUA, 1, 'key', 'b');
  });

  it("passes the script's own errors on without running it again", async () => {
    const evalsha = jest.fn().mockRejectedValue(new Error('ERR user_script:1: boom'));
    const evalScript = jest.fn();
    await expect(new LuaScript(LUA).run(redisWith(evalsha, evalScript), 0)).rejects.toThrow('boom');
    expect(evalScript).not.toHaveBeenCalled();
  });
});
