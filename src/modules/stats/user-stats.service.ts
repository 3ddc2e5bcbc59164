import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { isAdmin, Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { ChannelsService } from '../channels/channels.service';
import { USER_EVENTS, UserDeletedEvent } from '../users/users.events';
import { UsersService } from '../users/users.service';
import { USER_COUNTER_NAMES, UserCounters } from './schemas/user-stats.schema';
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

/**
 * Per-user lifetime counters. Hot paths (every message, every audio packet) only
 * add to an in-memory delta; deltas reach the database every few seconds as
 * `$inc` upserts and at shutdown, so a restart keeps the totals.
 */
@Injectable()
export class UserStatsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(UserStatsService.name);
  private pending = new Map<string, UserStatsDelta>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repository: UserStatsRepository,
    private readonly users: UsersService,
    private readonly channels: ChannelsService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** After every onModuleDestroy (sockets closed, their session seconds added), before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
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
    const stored = await this.repository.findById(userId);
    const delta = this.pending.get(userId);
    const counters = Object.fromEntries(USER_COUNTER_NAMES.map((name) => [name, (stored?.[name] ?? 0) + (delta?.counters[name] ?? 0)])) as UserCounters;
    const lastSeen = delta?.lastSeen ?? stored?.last_seen ?? null;
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
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.repository.apply(batch);
      } catch (error) {
        this.logger.warn(`user statistics flush failed, will retry: ${(error as Error).message}`);
        for (const [userId, delta] of batch) {
          this.add(userId, delta.counters);
          if (delta.lastSeen && !this.pending.get(userId)?.lastSeen) this.seen(userId, delta.lastSeen);
        }
      }
    });
    return this.flushing;
  }

  @OnEvent(USER_EVENTS.deleted)
  async forgetUser({ id }: UserDeletedEvent): Promise<void> {
    this.pending.delete(id);
    await this.repository.deleteById(id);
  }

  @OnEvent(ADMIN_EVENTS.reset)
  async reset(): Promise<AdminOperationCounts> {
    await this.flushing;
    this.pending.clear();
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
