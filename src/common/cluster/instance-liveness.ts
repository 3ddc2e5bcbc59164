import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InstanceIdentity } from '../redis/instance-identity';
import { abandonAfter, RedisConnections } from '../redis/redis-connections';

/** How often this process says it is alive, and how often it looks for peers that stopped saying so. */
export const HEARTBEAT_MS = 2_000;
/** A peer silent this long is dead. With the sweep period, a SIGKILLed instance is released within about 10 s. */
export const ALIVE_TTL_MS = 8_000;

const INSTANCES_KEY = 'cluster:instances';
const aliveKey = (incarnation: string) => `cluster:alive:${incarnation}`;

/** Releases what a dead instance held; must be idempotent (several instances may sweep the same death). */
export type PeerDeathHandler = (incarnation: string) => Promise<void>;

/**
 * Which instances of the cluster are alive, for the stores that tie entries
 * to the instance holding the connection (channel membership, calls, voice
 * subscriptions). Each process heartbeats a key with a TTL under its
 * incarnation (INSTANCE_ID plus a per-boot suffix, so a restarted instance
 * never inherits the entries of the process it replaces) and sweeps the others:
 * an incarnation whose key expired is dead, and every registered handler
 * releases its share. Without Redis there are no peers and nothing runs.
 */
@Injectable()
export class InstanceLiveness implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InstanceLiveness.name);
  readonly incarnation: string;
  private readonly handlers: PeerDeathHandler[] = [];
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly redis: RedisConnections,
    identity: InstanceIdentity,
  ) {
    this.incarnation = `${identity.id}#${randomBytes(4).toString('hex')}`;
  }

  onPeerDeath(handler: PeerDeathHandler): void {
    this.handlers.push(handler);
  }

  /** The other instances listed as alive (one that just died stays listed until a sweep notices). */
  async peers(): Promise<string[]> {
    if (!this.redis.enabled) return [];
    return (await this.redis.commands.smembers(INSTANCES_KEY)).filter((incarnation) => incarnation !== this.incarnation);
  }

  onModuleInit(): void {
    if (!this.redis.enabled) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat().then(() => this.sweep()), HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * A clean stop: the others need not wait for the key to expire (connections already left one by one).
   * Redis away: the key expires by itself, and the others' sweep unlists this instance; waiting for Redis would
   * only hold the exit past its deadline.
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (!this.redis.available) return;
    await abandonAfter(this.redis.commands.multi().del(aliveKey(this.incarnation)).srem(INSTANCES_KEY, this.incarnation).exec()).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      // SADD every time: after a Redis restart (an empty Redis) this instance is listed again.
      await this.redis.commands.multi().set(aliveKey(this.incarnation), '1', 'PX', ALIVE_TTL_MS).sadd(INSTANCES_KEY, this.incarnation).exec();
    } catch {
      // Redis away: RedisConnections logs it; the next beat retries.
    }
  }

  /** Runs the handlers for every listed incarnation without a live key, then unlists it. */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const listed = await this.peers();
      if (listed.length === 0) return;
      const pipeline = this.redis.commands.pipeline();
      for (const incarnation of listed) pipeline.exists(aliveKey(incarnation));
      const alive = (await pipeline.exec()) ?? [];
      for (const [index, incarnation] of listed.entries()) {
        if (alive[index]?.[1] !== 0) continue;
        this.logger.warn(`instance ${incarnation} stopped heartbeating: releasing its connections`);
        for (const handler of this.handlers) await handler(incarnation);
        await this.redis.commands.srem(INSTANCES_KEY, incarnation);
      }
    } catch (error) {
      this.logger.warn(`liveness sweep failed, will retry: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
