import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { InstanceLiveness } from '../../../common/cluster/instance-liveness';
import { abandonAfter, RedisConnections } from '../../../common/redis/redis-connections';
import { InMemoryPresenceStore } from './in-memory-presence.store';
import type { ConnectedUser } from '../../../contracts/socket-events';
import { PresenceConnection, PresenceStore, PresenceUser } from './presence.store';

/** How often this instance checks that Redis holds exactly its sockets (after an outage, an empty Redis). */
const SYNC_MS = 2_000;

const ONLINE = 'presence:online'; // hash userId → username
const CONNECTIONS = 'presence:connections'; // counter of every socket
const VERSION = 'presence:version'; // bumped whenever a user comes online or leaves, anywhere
const socketsKey = (incarnation: string) => `presence:sockets:${incarnation}`; // hash socketId → [userId, username, connectedAt]
const userKey = (userId: string) => `presence:user:${userId}`; // hash "<incarnation>|<socketId>" → connectedAt

const ADD = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[6]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[5])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('INCR', KEYS[4])
if redis.call('HLEN', KEYS[2]) == 1 then
  redis.call('INCR', KEYS[5])
  return 1
end
return 0`;

const REMOVE = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('DECR', KEYS[4])
if redis.call('HLEN', KEYS[2]) == 0 then
  redis.call('HDEL', KEYS[3], ARGV[3])
  redis.call('INCR', KEYS[5])
  return 1
end
return 0`;

/**
 * Makes Redis hold exactly the given sockets of one incarnation (none for a dead
 * one), in one atomic step; returns the users who have no socket left anywhere.
 * User keys are derived inside the script: this store needs a single Redis, not a Redis Cluster.
 */
const SYNC = `
local want = {}
for i = 2, #ARGV, 2 do want[ARGV[i]] = ARGV[i + 1] end
local have = redis.call('HGETALL', KEYS[1])
local stale = {}
for i = 1, #have, 2 do
  if want[have[i]] == nil then table.insert(stale, {have[i], cjson.decode(have[i + 1])[1]})
  else want[have[i]] = nil end
end
for socketId, raw in pairs(want) do
  local entry = cjson.decode(raw)
  redis.call('HSET', KEYS[1], socketId, raw)
  redis.call('HSET', 'presence:user:' .. entry[1], ARGV[1] .. '|' .. socketId, tostring(entry[3]))
  redis.call('HSET', KEYS[2], entry[1], entry[2])
  redis.call('INCR', KEYS[3])
  redis.call('INCR', KEYS[4])
end
local departed = {}
for _, socket in ipairs(stale) do
  local user = 'presence:user:' .. socket[2]
  redis.call('HDEL', KEYS[1], socket[1])
  redis.call('HDEL', user, ARGV[1] .. '|' .. socket[1])
  redis.call('DECR', KEYS[3])
  if redis.call('HLEN', user) == 0 then
    redis.call('HDEL', KEYS[2], socket[2])
    redis.call('INCR', KEYS[4])
    table.insert(departed, socket[2])
  end
end
return departed`;

type PresenceCommands = Redis & {
  presenceAdd(...args: (string | number)[]): Promise<number>;
  presenceRemove(...args: (string | number)[]): Promise<number>;
  presenceSync(...args: (string | number)[]): Promise<string[]>;
};

/**
 * Cluster-wide presence in Redis. Each socket is listed under the incarnation
 * of the instance holding it, so when an instance dies (InstanceLiveness) its
 * sockets leave in one step and the users left with none are announced. This
 * instance also keeps its own sockets in memory: during a Redis outage it
 * answers for its own clients from them, and afterwards (or after Redis lost
 * its data) it writes them back, announcing whoever left meanwhile.
 */
@Injectable()
export class RedisPresenceStore extends PresenceStore implements OnModuleInit, BeforeApplicationShutdown {
  override readonly clusterWide = true;
  private readonly logger = new Logger(RedisPresenceStore.name);
  private readonly local = new InMemoryPresenceStore();
  /** This instance's sockets: socket id → the entry written to Redis. */
  private readonly entries = new Map<string, string>();
  private readonly redis: PresenceCommands;
  private readonly incarnation: string;
  /** A write failed: Redis may disagree with `entries` until the next sync. */
  private dirty = false;
  /** Adds and removes under way: a sync meanwhile could undo one, so it waits for a quiet moment. */
  private inFlight = 0;
  private syncing = false;
  private timer?: NodeJS.Timeout;
  /** `firstOnline`'s answer, read when the presence version was `version` (or later). */
  private firstOnlineCache?: { version: string; limit: number; users: readonly ConnectedUser[] };
  /** One read of the list at a time: the connects of a storm share it instead of each reading everyone. */
  private firstOnlineRead?: Promise<{ version: string; users: PresenceUser[] }>;

  constructor(
    private readonly connections: RedisConnections,
    private readonly liveness: InstanceLiveness,
  ) {
    super();
    this.incarnation = liveness.incarnation;
    this.redis = connections.commands as PresenceCommands;
    this.redis.defineCommand('presenceAdd', { numberOfKeys: 5, lua: ADD });
    this.redis.defineCommand('presenceRemove', { numberOfKeys: 5, lua: REMOVE });
    this.redis.defineCommand('presenceSync', { numberOfKeys: 4, lua: SYNC });
  }

  onModuleInit(): void {
    this.liveness.onPeerDeath(async (incarnation) => this.announce(await this.sync(incarnation, [])));
    this.timer = setInterval(() => void this.heal(), SYNC_MS);
    this.timer.unref();
  }

  /**
   * A clean stop: this instance's sockets leave presence in one step and their
   * users are announced to the others now, before the Redis connections close
   * and before the instance stops heartbeating (after which no peer would sweep them).
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.entries.clear();
    if (!this.connections.available) return;
    try {
      this.announce(await abandonAfter(this.sync(this.incarnation, [])));
    } catch (error) {
      this.logger.warn(`presence not cleared at shutdown; peers will not see this instance's users leave: ${(error as Error).message}`);
    }
  }

  async add(connection: PresenceConnection): Promise<{ first: boolean }> {
    const { userId, username, socketId, connectedAt } = connection;
    const local = await this.local.add(connection);
    const entry = JSON.stringify([userId, username, connectedAt]);
    this.entries.set(socketId, entry);
    return this.shared(local, async () => {
      const first = await this.redis.presenceAdd(
        socketsKey(this.incarnation),
        userKey(userId),
        ONLINE,
        CONNECTIONS,
        VERSION,
        socketId,
        `${this.incarnation}|${socketId}`,
        userId,
        username,
        connectedAt,
        entry,
      );
      return { first: first === 1 };
    });
  }

  async remove(userId: string, socketId: string): Promise<{ last: boolean }> {
    const local = await this.local.remove(userId, socketId);
    if (!this.entries.delete(socketId)) return { last: false };
    return this.shared(local, async () => {
      const last = await this.redis.presenceRemove(
        socketsKey(this.incarnation),
        userKey(userId),
        ONLINE,
        CONNECTIONS,
        VERSION,
        socketId,
        `${this.incarnation}|${socketId}`,
        userId,
      );
      return { last: last === 1 };
    });
  }

  async connectionCount(userId: string): Promise<number> {
    if (!this.connections.available) return this.local.connectionCount(userId);
    try {
      return await this.redis.hlen(userKey(userId));
    } catch {
      return this.local.connectionCount(userId);
    }
  }

  async users(): Promise<PresenceUser[]> {
    if (!this.connections.available) return this.local.users();
    try {
      return await this.clusterUsers();
    } catch {
      return this.local.users();
    }
  }

  /**
   * A connect costs one GET of the presence version; the list itself is read again only after someone
   * came or went, and connects that find it stale meanwhile share that one read. The version is read
   * before the list, so a cached list is never older than the version it is filed under.
   */
  async firstOnline(limit: number): Promise<readonly ConnectedUser[]> {
    if (!this.connections.available) return this.local.firstOnline(limit);
    try {
      const version = (await this.redis.get(VERSION)) ?? '0';
      const cached = this.firstOnlineCache;
      if (cached && cached.limit === limit && cached.version === version) return cached.users;
      const read = await this.readFirstOnline(version);
      const users = read.users.slice(0, limit).map(({ id, username }) => ({ id, username }));
      if (read.version === version) this.firstOnlineCache = { version, limit, users };
      return users;
    } catch {
      return this.local.firstOnline(limit);
    }
  }

  /** Joins a read in flight when it started at this version or later (its list is at least that new). */
  private readFirstOnline(version: string): Promise<{ version: string; users: PresenceUser[] }> {
    const inFlight = this.firstOnlineRead;
    if (inFlight) {
      return inFlight.then((read) => (Number(read.version) >= Number(version) ? read : this.readFirstOnline(version)));
    }
    const read = this.clusterUsers().then((users) => ({ version, users }));
    this.firstOnlineRead = read;
    const clear = () => {
      if (this.firstOnlineRead === read) this.firstOnlineRead = undefined;
    };
    read.then(clear, clear);
    return read;
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    if (!this.connections.available) return this.local.onlineAmong(userIds);
    const usernames = await this.redis.hmget(ONLINE, ...userIds);
    return new Set(userIds.filter((_, index) => usernames[index] !== null));
  }

  private async clusterUsers(): Promise<PresenceUser[]> {
    const online = await this.redis.hgetall(ONLINE);
    const ids = Object.keys(online);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hvals(userKey(id));
    const results = (await pipeline.exec()) ?? [];
    const users = ids.flatMap((id, index) => {
      const [error, values] = results[index] ?? [null, []];
      if (error) throw error;
      const since = (values as string[]).map(Number);
      return since.length === 0 ? [] : [{ id, username: online[id], connections: since.length, since: Math.min(...since) }];
    });
    users.sort((a, b) => a.since - b.since);
    return users.map(({ since, ...user }) => ({ ...user, connected_since: new Date(since).toISOString() }));
  }

  async totalConnections(): Promise<number> {
    if (!this.connections.available) return this.local.totalConnections();
    try {
      return Number((await this.redis.get(CONNECTIONS)) ?? 0);
    } catch {
      return this.local.totalConnections();
    }
  }

  /** Users who left the cluster without this instance's gateway seeing it (a dead instance, an outage). */
  private departureListener: (userIds: string[]) => void = () => undefined;

  override onDepartures(listener: (userIds: string[]) => void): void {
    this.departureListener = listener;
  }

  private announce(userIds: string[]): void {
    if (userIds.length > 0) this.departureListener(userIds);
  }

  /** Redis missed a change: this instance's own answer stands, and the next sync writes it back. */
  /** The cluster's answer from Redis, or this instance's own while Redis is away (written back when it returns). */
  private async shared<T>(local: T, fromRedis: () => Promise<T>): Promise<T> {
    if (!this.connections.available) return this.degraded(local);
    this.inFlight += 1;
    try {
      return await fromRedis();
    } catch (error) {
      this.logger.warn(`presence kept in memory until Redis answers: ${(error as Error).message}`);
      return this.degraded(local);
    } finally {
      this.inFlight -= 1;
    }
  }

  private degraded<T>(local: T): T {
    this.dirty = true;
    return local;
  }

  /** Writes this instance's sockets back when Redis disagrees (a failed write, or a Redis that restarted empty). */
  private async heal(): Promise<void> {
    if (this.syncing || this.inFlight > 0 || !this.connections.available) return;
    this.syncing = true;
    try {
      const listed = await this.redis.hlen(socketsKey(this.incarnation));
      if ((!this.dirty && listed === this.entries.size) || this.inFlight > 0) return;
      this.dirty = false;
      // Sent at once with this snapshot: a later add or remove runs after it in Redis (one connection, in order).
      const departed = await this.sync(this.incarnation, [...this.entries]);
      this.logger.log(`presence written back to Redis (${this.entries.size} sockets)`);
      this.announce(departed);
    } catch {
      this.dirty = true;
    } finally {
      this.syncing = false;
    }
  }

  private sync(incarnation: string, entries: [string, string][]): Promise<string[]> {
    return this.redis.presenceSync(socketsKey(incarnation), ONLINE, CONNECTIONS, VERSION, incarnation, ...entries.flat());
  }
}
