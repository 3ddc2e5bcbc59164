import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { isAdmin, Principal, UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { Pagination, paginationOf } from '../../common/http/pagination';
import type { Env } from '../../config/env.validation';
import { ChannelDetails, PublicChannel, toPublicChannel } from './channel.presenter';
import { CHANNEL_MEMBERSHIP_STORE, ChannelMembershipStore, LeaveOutcome } from './channel-membership.store';
import { CHANNEL_EVENTS, ChannelDeletedEvent } from './channels.events';
import { ChannelsRepository, NewChannel } from './channels.repository';
import type { CreateChannelDto } from './dto/create-channel.dto';
import type { FilterChannelsQueryDto } from './dto/filter-channels-query.dto';
import type { ChannelRecord, ChannelType } from './schemas/channel.schema';

export const DEFAULT_MAX_USERS = 10;

/** A public channel the seed script creates once, owned by nobody. */
export type SeedChannel = Pick<NewChannel, 'name' | 'description' | 'max_users'>;

export interface ChannelJoin {
  /** True when the user was not a member before this connection joined (the moment to announce UserJoined). */
  firstConnection: boolean;
  /** User ids of the members, the joiner included, in joining order. */
  members: string[];
}

/**
 * Channels and who is in them. This service is the one owner of membership
 * and capacity: a user is a member while at least one of their connections
 * (a /voice or a /ws socket) has joined, and `max_users` counts users. Voice
 * delivery is derived from what join and leave answer here.
 */
@Injectable()
export class ChannelsService {
  private readonly quota: number;
  /** Channel types by id, for the metrics: a type never changes after creation, so one read per channel suffices. */
  private readonly types = new Map<string, ChannelType>();

  constructor(
    private readonly channels: ChannelsRepository,
    @Inject(CHANNEL_MEMBERSHIP_STORE) private readonly membership: ChannelMembershipStore,
    private readonly events: EventEmitter2,
    config: ConfigService<Env, true>,
  ) {
    this.quota = config.get('CHANNELS_PER_USER', { infer: true });
  }

  /**
   * At most CHANNELS_PER_USER channels per owner (admins exempt). Racing creations are settled after
   * the insert: a channel whose rank among its owner's (by creation time, then id) is past the quota
   * is removed again, so exactly the first ones stay however many arrive at once.
   */
  async create(owner: UserPrincipal, dto: CreateChannelDto): Promise<PublicChannel> {
    const limited = !isAdmin(owner);
    if (limited && (await this.channels.countOwnedBy(owner.userId)) >= this.quota) throw this.quotaReached();
    const channel = await this.channels.create({
      name: dto.name,
      description: dto.description ?? '',
      max_users: dto.max_users ?? DEFAULT_MAX_USERS,
      is_private: dto.is_private ?? false,
      channel_type: dto.channel_type ?? 'voice',
      owner_id: owner.userId,
      member_ids: [...new Set(dto.member_ids ?? [])],
    });
    if (limited && (await this.channels.countOwnedBefore(channel)) >= this.quota) {
      await this.channels.deleteById(channel._id);
      throw this.quotaReached();
    }
    return toPublicChannel(channel, 0);
  }

  /**
   * Public channels and the private ones the caller may see, paged, newest first, the caller's own
   * channels ahead of everyone else's: however many channels others create, one's own stay on the first pages.
   */
  async listVisible(principal: UserPrincipal, page: number, limit: number): Promise<{ data: PublicChannel[]; pagination: Pagination }> {
    const me = principal.userId;
    const [ownTotal, othersTotal] = await Promise.all([this.channels.countOwnedBy(me), this.channels.countOthersVisibleTo(me)]);
    const skip = (page - 1) * limit;
    const own = skip < ownTotal ? await this.channels.pageOwnedBy(me, skip, limit) : [];
    const room = limit - own.length;
    const others = room > 0 ? await this.channels.pageOthersVisibleTo(me, Math.max(0, skip - ownTotal), room) : [];
    return { data: await this.withCounts([...own, ...others]), pagination: paginationOf(page, limit, ownTotal + othersTotal) };
  }

  /** The advanced listing: name / type filters in the database, member-count filters on live membership. */
  async filter(principal: UserPrincipal, query: FilterChannelsQueryDto): Promise<PublicChannel[]> {
    const records = await this.channels.list({
      name: query.name,
      channel_type: query.channel_type,
      privateVisibleTo: query.include_private && isAdmin(principal) ? 'all' : principal.userId,
    });
    const channels = await this.withCounts(records);
    return channels.filter(
      (channel) =>
        (query.min_users === undefined || channel.current_users >= query.min_users) &&
        (query.max_users === undefined || channel.current_users <= query.max_users),
    );
  }

  /** A private channel is 404 to whoever may not see it, so its existence does not leak. */
  async getVisible(id: string, principal: UserPrincipal): Promise<ChannelDetails> {
    const channel = await this.channels.findById(id);
    if (!channel || !canSee(channel, principal)) throw new AppError('CHANNEL_NOT_FOUND');
    const members = await this.membership.members(id);
    return { ...toPublicChannel(channel, members.length), members };
  }

  /**
   * Adds one connection of the user to the channel: CHANNEL_NOT_FOUND,
   * PERMISSION_DENIED for a private channel the user may not enter, and
   * CHANNEL_FULL when the user would be one more than `max_users` (the check
   * and the insert are one atomic step of the membership store).
   */
  async join(id: string, principal: UserPrincipal, connectionId: string): Promise<ChannelJoin> {
    const channel = await this.channels.findById(id);
    if (!channel) throw new AppError('CHANNEL_NOT_FOUND');
    if (!canSee(channel, principal)) throw new AppError('PERMISSION_DENIED', 'This channel is private');
    const outcome = await this.membership.join(id, principal.userId, connectionId, channel.max_users);
    if (outcome.status === 'full') throw new AppError('CHANNEL_FULL');
    if (outcome.firstConnection) await this.channels.incrementConnections(id);
    return { firstConnection: outcome.firstConnection, members: await this.membership.members(id) };
  }

  /** `lastConnection` is true when the user is no longer a member (the moment to announce UserLeft). */
  leave(id: string, userId: string, connectionId: string): Promise<LeaveOutcome> {
    return this.membership.leave(id, userId, connectionId);
  }

  /** Channels the user is a member of, in joining order. */
  channelsOf(userId: string): Promise<string[]> {
    return this.membership.channelsOf(userId);
  }

  /** The seed script's idempotent create: a public channel of that name owned by nobody, made once. */
  ensureSeeded(channel: SeedChannel): Promise<boolean> {
    return this.channels.ensureSeeded({ ...channel, is_private: false, channel_type: 'voice', owner_id: null, member_ids: [] });
  }

  /** Owner or admin. Members are told (UserLeft each, then ChannelDeleted) before this resolves. */
  async remove(id: string, principal: Principal | undefined): Promise<void> {
    const channel = await this.channels.findById(id);
    const user = principal?.kind === 'user' ? principal : undefined;
    if (!channel || !user || !canSee(channel, user)) throw new AppError('CHANNEL_NOT_FOUND');
    if (channel.owner_id !== user.userId && !isAdmin(user)) throw new AppError('PERMISSION_DENIED');
    if (!(await this.channels.deleteById(id))) throw new AppError('CHANNEL_NOT_FOUND');
    this.types.delete(id);
    const members = await this.membership.removeChannel(id);
    await this.events.emitAsync(CHANNEL_EVENTS.deleted, { channel_id: id, members } satisfies ChannelDeletedEvent);
  }

  async snapshot(): Promise<{ total_channels: number; active_channels: number }> {
    const [total, active] = await Promise.all([this.channels.count(), this.membership.activeChannelCount()]);
    return { total_channels: total, active_channels: active };
  }

  /**
   * The type of each of these channels that exists, read from the database only for ids not seen before
   * (a scrape asks for the same channels again and again; types never change).
   */
  async typesOf(ids: readonly string[]): Promise<Map<string, ChannelType>> {
    const unknown = ids.filter((id) => !this.types.has(id));
    if (unknown.length > 0) for (const { _id, channel_type } of await this.channels.findTypes(unknown)) this.types.set(_id, channel_type);
    const types = new Map<string, ChannelType>();
    for (const id of ids) {
      const type = this.types.get(id);
      if (type) types.set(id, type);
    }
    return types;
  }

  private quotaReached(): AppError {
    return new AppError('PERMISSION_DENIED', `Channel quota reached: at most ${this.quota} channels per user (CHANNELS_PER_USER)`);
  }

  private async withCounts(records: ChannelRecord[]): Promise<PublicChannel[]> {
    const counts = await this.membership.counts(records.map((channel) => channel._id));
    return records.map((channel) => toPublicChannel(channel, counts.get(channel._id) ?? 0));
  }
}

function canSee(channel: ChannelRecord, user: UserPrincipal): boolean {
  return !channel.is_private || channel.owner_id === user.userId || channel.member_ids.includes(user.userId) || isAdmin(user);
}
