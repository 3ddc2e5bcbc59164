import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LuaScript } from '../../common/redis/lua-script';
import { Call, CallRegistry, NewCall, OpenOutcome } from './call-registry';

/** A call of a dead instance, and which of its parties that instance held. */
export interface ReleasedCall {
  call: Call;
  /** The parties whose call socket was on the dead instance. */
  lostParties: string[];
}

/*
 * Keys (`<p>` is the prefix):
 *   <p>:user:<user>         the id of the user's call
 *   <p>:<id>                HASH caller, callee, state, callerSocket, calleeSocket, callerInst, calleeInst
 *   <p>:inst:<incarnation>  SET of ids of calls whose caller's or answering callee's socket that process holds
 *   <p>:all                 SET of every call id (admin reset)
 * The scripts build keys from ids: this targets one Redis, not Redis Cluster.
 */

const FIELDS = `local function load(p, id)
  local f = redis.call('HMGET', p .. ':' .. id, 'caller', 'callee', 'state', 'callerSocket', 'calleeSocket', 'callerInst', 'calleeInst')
  if not f[1] then return nil end
  return f
end
local function close(p, id, f)
  for _, party in ipairs({f[1], f[2]}) do
    if redis.call('GET', p .. ':user:' .. party) == id then redis.call('DEL', p .. ':user:' .. party) end
  end
  if f[6] and f[6] ~= '' then redis.call('SREM', p .. ':inst:' .. f[6], id) end
  if f[7] and f[7] ~= '' then redis.call('SREM', p .. ':inst:' .. f[7], id) end
  redis.call('SREM', p .. ':all', id)
  redis.call('DEL', p .. ':' .. id)
end
`;

/** ARGV: prefix, id, caller, callee, callerSocket, incarnation. */
const OPEN = new LuaScript(`
local p, id, caller, callee = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', p .. ':user:' .. caller) == 1 then return 'caller-busy' end
if redis.call('EXISTS', p .. ':user:' .. callee) == 1 then return 'busy' end
redis.call('SET', p .. ':user:' .. caller, id)
redis.call('SET', p .. ':user:' .. callee, id)
redis.call('HSET', p .. ':' .. id, 'caller', caller, 'callee', callee, 'state', 'ringing', 'callerSocket', ARGV[5], 'calleeSocket', '', 'callerInst', ARGV[6], 'calleeInst', '')
redis.call('SADD', p .. ':inst:' .. ARGV[6], id)
redis.call('SADD', p .. ':all', id)
return 'opened'`);

/** ARGV: prefix, user. Answers id and fields, or nil. */
const OF = new LuaScript(
  FIELDS +
    `
local id = redis.call('GET', ARGV[1] .. ':user:' .. ARGV[2])
if not id then return nil end
local f = load(ARGV[1], id)
if not f then return nil end
return {id, f[1], f[2], f[3], f[4], f[5]}`,
);

/** ARGV: prefix, callee, caller, socket, incarnation. */
const ANSWER = new LuaScript(
  FIELDS +
    `
local p = ARGV[1]
local id = redis.call('GET', p .. ':user:' .. ARGV[2])
if not id then return nil end
local f = load(p, id)
if not f or f[2] ~= ARGV[2] or f[1] ~= ARGV[3] or f[3] ~= 'ringing' then return nil end
redis.call('HSET', p .. ':' .. id, 'state', 'active', 'calleeSocket', ARGV[4], 'calleeInst', ARGV[5])
redis.call('SADD', p .. ':inst:' .. ARGV[5], id)
return {id, f[1], f[2], 'active', f[4], ARGV[4]}`,
);

/** ARGV: prefix, id. */
const CLOSE = new LuaScript(
  FIELDS +
    `
local f = load(ARGV[1], ARGV[2])
if not f then return 0 end
close(ARGV[1], ARGV[2], f)
return 1`,
);

/** ARGV: prefix, incarnation. Answers per released call: id, caller, callee, state, callerSocket, calleeSocket, lost parties ("caller", "callee", "both"). */
const RELEASE_INSTANCE = new LuaScript(
  FIELDS +
    `
local p, inc = ARGV[1], ARGV[2]
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', p .. ':inst:' .. inc)) do
  local f = load(p, id)
  if f then
    local lost = (f[6] == inc and f[7] == inc) and 'both' or (f[6] == inc and 'caller' or 'callee')
    for _, value in ipairs({id, f[1], f[2], f[3], f[4], f[5], lost}) do table.insert(out, value) end
    close(p, id, f)
  end
end
redis.call('DEL', p .. ':inst:' .. inc)
return out`,
);

/**
 * ARGV: prefix, incarnation, "restore" or "prune", then per call this process holds: id, caller, callee, state,
 * callerSocket, calleeSocket, role ("caller", "callee" or "both"). Ids Redis lists for this incarnation that this
 * process no longer holds (ended during an outage) are ended. Calls missing from Redis are written back when Redis
 * lost its data ("restore"; each instance fills in the side it holds), and otherwise answered: another instance
 * ended them, and the caller forgets them.
 */
const SYNC = new LuaScript(
  FIELDS +
    `
local p, inc, restore = ARGV[1], ARGV[2], ARGV[3] == 'restore'
local instKey = p .. ':inst:' .. inc
local held = {}
for i = 4, #ARGV, 7 do held[ARGV[i]] = true end
for _, id in ipairs(redis.call('SMEMBERS', instKey)) do
  if not held[id] then
    local f = load(p, id)
    if f then close(p, id, f) end
    redis.call('SREM', instKey, id)
  end
end
local missing = {}
for i = 4, #ARGV, 7 do
  local id, caller, callee, state, callerSocket, calleeSocket, role = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  local key = p .. ':' .. id
  if redis.call('SISMEMBER', instKey, id) == 0 then
    if not restore then
      table.insert(missing, id)
    else
      if redis.call('EXISTS', key) == 0 then
        redis.call('HSET', key, 'caller', caller, 'callee', callee, 'state', state, 'callerSocket', callerSocket, 'calleeSocket', calleeSocket, 'callerInst', '', 'calleeInst', '')
        for _, party in ipairs({caller, callee}) do redis.call('SET', p .. ':user:' .. party, id, 'NX') end
        redis.call('SADD', p .. ':all', id)
      end
      if role ~= 'callee' then redis.call('HSET', key, 'callerSocket', callerSocket, 'callerInst', inc) end
      if role ~= 'caller' then redis.call('HSET', key, 'state', 'active', 'calleeSocket', calleeSocket, 'calleeInst', inc) end
      redis.call('SADD', instKey, id)
    end
  end
end
return missing`,
);

/** ARGV: prefix. Ends every call; answers id, caller, callee, state, callerSocket, calleeSocket per call. */
const CLEAR = new LuaScript(
  FIELDS +
    `
local p = ARGV[1]
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', p .. ':all')) do
  local f = load(p, id)
  if f then
    for _, value in ipairs({id, f[1], f[2], f[3], f[4], f[5]}) do table.insert(out, value) end
    close(p, id, f)
  end
end
redis.call('DEL', p .. ':all')
return out`,
);

/**
 * Calls shared by every instance through Redis: the busy check and the
 * registration are one Lua step, so two instances cannot ring the same callee
 * at once. A call is recorded under the incarnations holding its caller's
 * and answering callee's sockets, so a dead instance's calls end in one step
 * (`releaseInstance`, driven by InstanceLiveness). This process remembers the
 * calls it holds, so that `heal` writes them back after Redis lost its data.
 */
export class RedisCallRegistry extends CallRegistry {
  /** Calls this process holds a side of: the call as last known here, and which side. */
  private readonly mine = new Map<string, { call: Call; caller: boolean; callee: boolean }>();
  private inFlight = 0;
  /** The Redis data set this process last saw: a new mark means Redis lost its data. */
  private epoch?: string;

  constructor(
    private readonly redis: Redis,
    private readonly incarnation: string,
    private readonly prefix = 'call',
  ) {
    super();
  }

  async of(userId: string): Promise<Call | undefined> {
    return toCall((await OF.run(this.redis, 0, this.prefix, userId)) as string[] | null);
  }

  async between(userId: string, peerId: string): Promise<Call | undefined> {
    const call = await this.of(userId);
    return call && (call.caller === peerId || call.callee === peerId) && peerId !== userId ? call : undefined;
  }

  async open({ caller, callee, callerSocket }: NewCall): Promise<OpenOutcome> {
    const id = randomUUID();
    const status = (await this.tracked(OPEN.run(this.redis, 0, this.prefix, id, caller, callee, callerSocket, this.incarnation))) as string;
    if (status === 'caller-busy' || status === 'busy') return { status };
    const call: Call = { id, caller, callee, state: 'ringing', callerSocket, calleeSocket: null };
    this.mine.set(id, { call, caller: true, callee: false });
    return { status: 'opened', call };
  }

  async answer(callee: string, caller: string, socketId: string): Promise<Call | undefined> {
    const call = toCall((await this.tracked(ANSWER.run(this.redis, 0, this.prefix, callee, caller, socketId, this.incarnation))) as string[] | null);
    if (call) this.mine.set(call.id, { call, caller: this.mine.get(call.id)?.caller ?? false, callee: true });
    return call;
  }

  async close(call: Call): Promise<boolean> {
    this.mine.delete(call.id);
    return (await this.tracked(CLOSE.run(this.redis, 0, this.prefix, call.id))) === 1;
  }

  /** After an outage: ends in Redis what ended here meanwhile, and writes back what Redis lost (or forgets what another instance ended). */
  async heal(): Promise<boolean> {
    if (this.inFlight > 0 || this.redis.status !== 'ready') return false;
    const key = `${this.prefix}:epoch`;
    await this.redis.set(key, randomUUID(), 'NX');
    const [held, epoch] = await Promise.all([this.redis.scard(`${this.prefix}:inst:${this.incarnation}`), this.redis.get(key)]);
    // Never having seen the mark while holding calls (Redis went away before the first heal): assume lost.
    const restore = this.epoch === undefined ? this.mine.size > 0 && held < this.mine.size : epoch !== this.epoch;
    this.epoch = epoch ?? undefined;
    if ((held === this.mine.size && !restore) || this.inFlight > 0) return false;
    const calls = [...this.mine.values()].flatMap(({ call, caller, callee }) => [
      call.id,
      call.caller,
      call.callee,
      call.state,
      call.callerSocket,
      call.calleeSocket ?? '',
      caller && callee ? 'both' : caller ? 'caller' : 'callee',
    ]);
    const missing = (await SYNC.run(this.redis, 0, this.prefix, this.incarnation, restore ? 'restore' : 'prune', ...calls)) as string[];
    for (const id of missing) this.mine.delete(id);
    return true;
  }

  async clear(): Promise<Call[]> {
    this.mine.clear();
    const flat = (await CLEAR.run(this.redis, 0, this.prefix)) as string[];
    const calls: Call[] = [];
    for (let index = 0; index + 5 < flat.length; index += 6) calls.push(toCall(flat.slice(index, index + 6))!);
    return calls;
  }

  /** Every instance's calls: the size of the set of all call ids, which every script keeps in step with the calls. */
  count(): Promise<number> {
    return this.redis.scard(`${this.prefix}:all`);
  }

  /** Counts a command under way (already sent), so that a heal never interleaves with it. */
  private async tracked<T>(command: Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await command;
    } finally {
      this.inFlight--;
    }
  }

  /** Ends the calls whose caller's or answering callee's socket the incarnation held. Idempotent. */
  async releaseInstance(incarnation: string): Promise<ReleasedCall[]> {
    const flat = (await RELEASE_INSTANCE.run(this.redis, 0, this.prefix, incarnation)) as string[];
    const released: ReleasedCall[] = [];
    for (let index = 0; index + 6 < flat.length; index += 7) {
      const call = toCall(flat.slice(index, index + 6))!;
      const lost = flat[index + 6];
      released.push({ call, lostParties: lost === 'both' ? [call.caller, call.callee] : [lost === 'caller' ? call.caller : call.callee] });
    }
    return released;
  }
}

function toCall(fields: string[] | null): Call | undefined {
  if (!fields) return undefined;
  const [id, caller, callee, state, callerSocket, calleeSocket] = fields;
  return { id, caller, callee, state: state === 'active' ? 'active' : 'ringing', callerSocket, calleeSocket: calleeSocket || null };
}
