import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { isAdmin, Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { abandonAfter } from '../../common/redis/redis-connections';
import { ChannelsService } from '../channels/channels.service';
import { USER_EVENTS, UserDeletedEvent } from '../users/users.events';
import { UsersService } from '../users/users.service';
import { USER_COUNTER_NAMES, UserCounters } from './schemas/user-stats.schema';
import { UserStatsExchange } from './user-stats.exchange';
import { UserStatsDelta, UserStatsRepository } from './user-stats.repository';

export interface UserStatistics extends UserCounters {
  last_seen: string | null;
}

/** The `GET /api/advanced/users/:id/statistics` data. */
export interface UserStatisticsReport extends UserStatistics {
  user_id: string;
  /** The voice channel the user is in now (the first joined when several), or null. */
  current_channel: string | null;
}

const FLUSH_INTERVAL_MS = 5_000;
/** Several instances: how often each hands its deltas to the others (what a report on any instance includes). */
const HAND_OVER_INTERVAL_MS = 1_000;

/**
 * Per-user lifetime counters. Hot paths (every message, every audio packet) only
 * add to an in-memory delta; deltas reach the database every few seconds as
 * `$inc` upserts and at shutdown, so a restart keeps the totals. With several
 * instances the deltas go through the UserStatsExchange (Redis) every second:
 * a report on any instance counts every instance's traffic, and whichever
 * instance takes a delta writes it, once.
 */
@Injectable()
export class UserStatsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(UserStatsService.name);
  private pending = new Map<string, UserStatsDelta>();
  private readonly timers: NodeJS.Timeout[] = [];
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: UserStatsRepository,
    private readonly users: UsersService,
    private readonly channels: ChannelsService,
    private readonly exchange: UserStatsExchange,
  ) {}

  onModuleInit(): void {
    this.timers.push(setInterval(() => void this.flush(), FLUSH_INTERVAL_MS));
    if (this.exchange.shared) this.timers.push(setInterval(() => void this.handOver(), HAND_OVER_INTERVAL_MS));
    for (const timer of this.timers) timer.unref();
  }

  /**
   * After every onModuleDestroy (sockets closed, their session seconds added), before the database closes.
   * Several instances: a hand-over already sent to a Redis that went away meanwhile gets a moment, not the
   * shutdown's deadline; whatever this instance could not hand over is its own alone and goes straight to
   * the database rather than being lost.
   */
  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    if (!this.exchange.shared) return this.flush();
    if (this.exchange.available) await abandonAfter(this.flush()).catch(() => undefined);
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.repository.apply(batch);
    } catch (error) {
      this.logger.warn(`user statistics not written at shutdown: ${(error as Error).message}`);
    }
  }

  add(userId: string, counters: Partial<UserCounters>): void {
    const delta = this.deltaOf(userId);
    for (const name of USER_COUNTER_NAMES) {
      const value = counters[name];
      if (value) delta.counters[name] = (delta.counters[name] ?? 0) + value;
    }
  }

  seen(userId: string, at: Date = new Date()): void {
    this.deltaOf(userId).lastSeen = at;
  }

  async get(userId: string): Promise<UserStatistics> {
    const [stored, shared] = await Promise.all([this.repository.findById(userId), this.sharedPendingOf(userId)]);
    const delta = this.pending.get(userId);
    const counters = Object.fromEntries(
      USER_COUNTER_NAMES.map((name) => [name, (stored?.[name] ?? 0) + (shared?.counters[name] ?? 0) + (delta?.counters[name] ?? 0)]),
    ) as UserCounters;
    const seen = [delta?.lastSeen, shared?.lastSeen, stored?.last_seen].filter((date): date is Date => date instanceof Date);
    const lastSeen = seen.length > 0 ? new Date(Math.max(...seen.map((date) => date.getTime()))) : null;
    return { ...counters, last_seen: lastSeen ? lastSeen.toISOString() : null };
  }

  /** Oneself or an admin: the user's lifetime counters and the channel they are in now. */
  async report(userId: string, actor: Principal | undefined): Promise<UserStatisticsReport> {
    if (!isAdmin(actor) && !(actor?.kind === 'user' && actor.userId === userId)) throw new AppError('PERMISSION_DENIED');
    await this.users.get(userId);
    const [counters, channels] = await Promise.all([this.get(userId), this.channels.channelsOf(userId)]);
    return { user_id: userId, ...counters, current_channel: channels[0] ?? null };
  }

  /** Writes pending deltas; on failure they are merged back for the next try, so nothing is lost. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.exchange.shared) return this.flushShared();
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.repository.apply(batch);
      } catch (error) {
        this.logger.warn(`user statistics flush failed, will retry: ${(error as Error).message}`);
        this.restore(batch);
      }
    });
    return this.flushing;
  }

  /** Several instances: this instance's deltas to the exchange, where every instance sees them. */
  handOver(): Promise<void> {
    this.flushing = this.flushing.then(() => this.handOverNow());
    return this.flushing;
  }

  private async handOverNow(): Promise<void> {
    // Redis away: the deltas wait here (counted in this instance's reports), not in ioredis's offline queue.
    if (this.pending.size === 0 || !this.exchange.available) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.exchange.push(batch);
    } catch {
      // Redis away: they stay here (and in this instance's reports) until it answers.
      this.restore(batch);
    }
  }

  /** Hands over, then writes whatever this instance takes from the exchange (the others' deltas included). */
  private async flushShared(): Promise<void> {
    if (!this.exchange.available) return;
    await this.handOverNow();
    let batch: Map<string, UserStatsDelta>;
    try {
      batch = await this.exchange.take();
    } catch {
      return;
    }
    if (batch.size === 0) return;
    try {
      await this.repository.apply(batch);
    } catch (error) {
      this.logger.warn(`user statistics flush failed, will retry: ${(error as Error).message}`);
      this.restore(batch);
    }
  }

  private restore(batch: Map<string, UserStatsDelta>): void {
    for (const [userId, delta] of batch) {
      this.add(userId, delta.counters);
      if (delta.lastSeen && !this.pending.get(userId)?.lastSeen) this.seen(userId, delta.lastSeen);
    }
  }

  private async sharedPendingOf(userId: string): Promise<UserStatsDelta | undefined> {
    if (!this.exchange.shared) return undefined;
    try {
      return await this.exchange.pendingOf(userId);
    } catch {
      return undefined; // Redis away: the stored and this instance's counters are what can be told
    }
  }

  @OnEvent(USER_EVENTS.deleted)
  async forgetUser({ id }: UserDeletedEvent): Promise<void> {
    this.pending.delete(id);
    await this.exchange.forget(id).catch(() => undefined);
    await this.repository.deleteById(id);
  }

  @OnEvent(ADMIN_EVENTS.reset)
  async reset(): Promise<AdminOperationCounts> {
    await this.flushing;
    this.pending.clear();
    await this.exchange.clear().catch(() => undefined);
    return { user_stats_cleared: await this.repository.deleteAll() };
  }

  private deltaOf(userId: string): UserStatsDelta {
    let delta = this.pending.get(userId);
    if (!delta) {
      delta = { counters: {} };
      this.pending.set(userId, delta);
    }
    return delta;
  }
}
