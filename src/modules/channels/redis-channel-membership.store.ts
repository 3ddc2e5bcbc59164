import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChannelMembershipStore, JoinOutcome, LeaveOutcome } from './channel-membership.store';

/** A user who stopped being a member because the instance holding their connections died. */
export interface ReleasedMember {
  channelId: string;
  userId: string;
}

/*
 * Keys (`<p>` is the prefix):
 *   <p>:<channel>:users          ZSET user → join sequence (members in joining order, capacity = ZCARD)
 *   <p>:<channel>:conns:<user>   SET of "<incarnation>|<connection>" (the user's connections in the channel)
 *   <p>:user:<user>              ZSET channel → join sequence (channelsOf)
 *   <p>:inst:<incarnation>       SET of "<channel> <user> <incarnation>|<connection>" (what that process holds)
 *   <p>:active                   SET of channels with a member
 *   <p>:seq                      the join sequence
 * Ids never contain spaces (UUIDs; connection ids are "transport:id"), so an entry splits unambiguously.
 * The scripts build the keys of a dead instance's entries themselves: this targets one Redis, not Redis Cluster.
 */

const JOIN = `
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[5])
  return 0
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return -1 end
local seq = redis.call('INCR', KEYS[6])
redis.call('ZADD', KEYS[1], seq, ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], seq, ARGV[1])
redis.call('SADD', KEYS[4], ARGV[5])
redis.call('SADD', KEYS[5], ARGV[1])
return 1`;

const LEAVE = `
if redis.call('SREM', KEYS[2], ARGV[3]) == 0 then return -1 end
redis.call('SREM', KEYS[4], ARGV[4])
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[5], ARGV[1]) end
return 1`;

/**
 * A Lua function for the scripts below: removes the connection an instance entry ("<channel> <user> <member>")
 * names; when it was the user's last connection in that channel, the user leaves it (and the channel stops
 * being active once empty) and the function answers channel and user.
 */
const DROP_ENTRY = `
local function drop(p, entry)
  local c, u, m = string.match(entry, '^(%S+) (%S+) (%S+)$')
  if not c then return nil end
  local conns = p .. ':' .. c .. ':conns:' .. u
  if redis.call('SREM', conns, m) == 0 or redis.call('SCARD', conns) > 0 then return nil end
  local users = p .. ':' .. c .. ':users'
  redis.call('ZREM', users, u)
  redis.call('ZREM', p .. ':user:' .. u, c)
  if redis.call('ZCARD', users) == 0 then redis.call('SREM', p .. ':active', c) end
  return c, u
end`;

/** KEYS[1] the dead incarnation's set; ARGV[1] the prefix. Answers channel, user, channel, user… of the users who left. */
const RELEASE_INSTANCE = `${DROP_ENTRY}
local p = ARGV[1]
local gone = {}
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local c, u = drop(p, entry)
  if c then
    table.insert(gone, c)
    table.insert(gone, u)
  end
end
redis.call('DEL', KEYS[1])
return gone`;

/**
 * KEYS[1] this incarnation's set; ARGV[1] the prefix, ARGV[2] "restore" or "prune", then channel, user,
 * member of every connection this process holds. Entries Redis holds but this process does not (a leave
 * during an outage) are removed. Entries this process holds but Redis does not are written back in joining
 * order when Redis lost its data ("restore": admitted before, so no capacity check), and otherwise answered
 * (another instance removed them, deleting the channel): the caller forgets them.
 */
const SYNC = `${DROP_ENTRY}
local p, restore = ARGV[1], ARGV[2] == 'restore'
local want = {}
local missing = {}
for i = 3, #ARGV, 3 do want[ARGV[i] .. ' ' .. ARGV[i + 1] .. ' ' .. ARGV[i + 2]] = {ARGV[i], ARGV[i + 1], ARGV[i + 2]} end
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if want[entry] then
    want[entry] = nil
  else
    drop(p, entry)
    redis.call('SREM', KEYS[1], entry)
  end
end
for i = 3, #ARGV, 3 do
  local c, u, m = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local entry = c .. ' ' .. u .. ' ' .. m
  if want[entry] and not restore then
    table.insert(missing, entry)
  elseif want[entry] then
    local users = p .. ':' .. c .. ':users'
    if not redis.call('ZSCORE', users, u) then
      local seq = redis.call('INCR', p .. ':seq')
      redis.call('ZADD', users, seq, u)
      redis.call('ZADD', p .. ':user:' .. u, seq, c)
    end
    redis.call('SADD', p .. ':' .. c .. ':conns:' .. u, m)
    redis.call('SADD', p .. ':active', c)
    redis.call('SADD', KEYS[1], entry)
  end
end
return missing`;

/** KEYS[1] the channel's users; ARGV[1] the prefix, ARGV[2] the channel. Answers the members in joining order. */
const REMOVE_CHANNEL = `
local p, c = ARGV[1], ARGV[2]
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, u in ipairs(members) do
  local conns = p .. ':' .. c .. ':conns:' .. u
  for _, m in ipairs(redis.call('SMEMBERS', conns)) do
    local incarnation = string.match(m, '^([^|]+)|')
    if incarnation then redis.call('SREM', p .. ':inst:' .. incarnation, c .. ' ' .. u .. ' ' .. m) end
  end
  redis.call('DEL', conns)
  redis.call('ZREM', p .. ':user:' .. u, c)
end
redis.call('DEL', KEYS[1])
redis.call('SREM', p .. ':active', c)
return members`;

/**
 * Channel membership shared by every instance through Redis. Each step is one
 * Lua script, so the capacity check and the insert are atomic across
 * instances: of six users racing for two seats on any instances, two get in.
 * Every connection is recorded under the incarnation of the process that holds
 * it, so the entries of an instance that died are released in one step
 * (`releaseInstance`, driven by InstanceLiveness). This process also remembers
 * its own connections' memberships, so that after a Redis outage (or a Redis
 * that came back empty) `heal` writes them back, and a leave during the outage
 * still counts.
 */
export class RedisChannelMembershipStore implements ChannelMembershipStore {
  /** This process's memberships: "<channel> <user> <member>" entries, as in its Redis set. */
  private readonly mine = new Map<string, [channelId: string, userId: string, member: string]>();
  /** Joins and leaves under way: a heal meanwhile could undo one, so it waits for a quiet moment. */
  private inFlight = 0;
  /** The Redis data set this process last saw (a random mark in Redis): a new one means Redis lost its data. */
  private epoch?: string;

  constructor(
    private readonly redis: Redis,
    private readonly incarnation: string,
    private readonly prefix = 'vc',
  ) {}

  async join(channelId: string, userId: string, connectionId: string, capacity: number): Promise<JoinOutcome> {
    const member = this.member(connectionId);
    this.inFlight++;
    const result = await this.redis
      .eval(
        JOIN,
        6,
        this.usersKey(channelId),
        this.connsKey(channelId, userId),
        this.userKey(userId),
        this.instanceKey(this.incarnation),
        `${this.prefix}:active`,
        `${this.prefix}:seq`,
        channelId,
        userId,
        member,
        capacity,
        `${channelId} ${userId} ${member}`,
      )
      .finally(() => this.inFlight--);
    if (result === -1) return { status: 'full' };
    this.mine.set(`${channelId} ${userId} ${member}`, [channelId, userId, member]);
    return { status: 'joined', firstConnection: result === 1 };
  }

  async leave(channelId: string, userId: string, connectionId: string): Promise<LeaveOutcome> {
    const member = this.member(connectionId);
    const entry = `${channelId} ${userId} ${member}`;
    if (!this.mine.delete(entry)) return { left: false, lastConnection: false };
    this.inFlight++;
    let result: unknown;
    try {
      result = await this.redis.eval(
        LEAVE,
        5,
        this.usersKey(channelId),
        this.connsKey(channelId, userId),
        this.userKey(userId),
        this.instanceKey(this.incarnation),
        `${this.prefix}:active`,
        channelId,
        userId,
        member,
        entry,
      );
    } catch {
      result = -1;
    } finally {
      this.inFlight--;
    }
    // Redis away, or back without this entry: the leave stands here and reaches Redis with the next heal, and
    // whether it was the user's last connection is told from this instance's own (the others cannot be asked).
    if (result === -1) return { left: true, lastConnection: ![...this.mine.values()].some(([c, u]) => c === channelId && u === userId) };
    return { left: true, lastConnection: result === 1 };
  }

  members(channelId: string): Promise<string[]> {
    return this.redis.zrange(this.usersKey(channelId), '0', '-1');
  }

  async counts(channelIds: readonly string[]): Promise<Map<string, number>> {
    if (channelIds.length === 0) return new Map();
    const pipeline = this.redis.pipeline();
    for (const id of channelIds) pipeline.zcard(this.usersKey(id));
    const results = (await pipeline.exec()) ?? [];
    return new Map(
      channelIds.map((id, index) => {
        const [error, count] = results[index] ?? [null, 0];
        if (error) throw error;
        return [id, Number(count)];
      }),
    );
  }

  channelsOf(userId: string): Promise<string[]> {
    return this.redis.zrange(this.userKey(userId), '0', '-1');
  }

  activeChannelCount(): Promise<number> {
    return this.redis.scard(`${this.prefix}:active`);
  }

  async removeChannel(channelId: string): Promise<string[]> {
    for (const [entry, [c]] of this.mine) if (c === channelId) this.mine.delete(entry);
    return (await this.redis.eval(REMOVE_CHANNEL, 1, [this.usersKey(channelId), this.prefix, channelId])) as string[];
  }

  async clear(): Promise<number> {
    let memberships = 0;
    for (const channelId of await this.redis.smembers(`${this.prefix}:active`)) memberships += (await this.removeChannel(channelId)).length;
    return memberships;
  }

  /**
   * Makes Redis hold exactly this process's memberships when it does not (one SCARD when all is well).
   * Answers whether it wrote anything.
   */
  async heal(): Promise<boolean> {
    if (this.inFlight > 0 || this.redis.status !== 'ready') return false;
    const [held, epoch] = await Promise.all([this.redis.scard(this.instanceKey(this.incarnation)), this.currentEpoch()]);
    // Never having seen the mark while holding memberships (Redis went away before the first heal): assume lost.
    const restore = this.epoch === undefined ? this.mine.size > 0 && held < this.mine.size : epoch !== this.epoch;
    this.epoch = epoch;
    // Checked again after the await: a join or leave sent meanwhile must reach Redis before the sync is built.
    if ((held === this.mine.size && !restore) || this.inFlight > 0) return false;
    const missing = (await this.redis.eval(SYNC, 1, [
      this.instanceKey(this.incarnation),
      this.prefix,
      restore ? 'restore' : 'prune',
      ...[...this.mine.values()].flat(),
    ])) as string[];
    for (const entry of missing) this.mine.delete(entry);
    return true;
  }

  /** The mark of Redis's current data set, made when there is none (a Redis that started empty). */
  private async currentEpoch(): Promise<string> {
    const key = `${this.prefix}:epoch`;
    await this.redis.set(key, randomUUID(), 'NX');
    return (await this.redis.get(key)) ?? '';
  }

  /** Drops every connection the incarnation held; answers the users who thereby left a channel. Idempotent. */
  async releaseInstance(incarnation: string): Promise<ReleasedMember[]> {
    const flat = (await this.redis.eval(RELEASE_INSTANCE, 1, [this.instanceKey(incarnation), this.prefix])) as string[];
    const released: ReleasedMember[] = [];
    for (let index = 0; index + 1 < flat.length; index += 2) released.push({ channelId: flat[index], userId: flat[index + 1] });
    return released;
  }

  private member(connectionId: string): string {
    return `${this.incarnation}|${connectionId}`;
  }

  private usersKey(channelId: string): string {
    return `${this.prefix}:${channelId}:users`;
  }

  private connsKey(channelId: string, userId: string): string {
    return `${this.prefix}:${channelId}:conns:${userId}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:user:${userId}`;
  }

  private instanceKey(incarnation: string): string {
    return `${this.prefix}:inst:${incarnation}`;
  }
}
