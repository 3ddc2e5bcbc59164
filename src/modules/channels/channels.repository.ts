import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import type { FilterQuery, Model } from 'mongoose';
import { Channel, ChannelRecord, ChannelType } from './schemas/channel.schema';

export interface NewChannel {
  name: string;
  description: string;
  max_users: number;
  is_private: boolean;
  channel_type: ChannelType;
  owner_id: string | null;
  member_ids: string[];
}

export interface ChannelFilter {
  /** Case-insensitive substring of the name. */
  name?: string;
  channel_type?: ChannelType;
  /** All private channels (admin: 'all'), or only those this user (id) owns or was admitted to. */
  privateVisibleTo: string;
}

/** Listing queries are bounded: sorting happens in the database's memory on FerretDB. */
export const CHANNEL_LIST_LIMIT = 1000;

/** The only code that touches the channels collection. */
@Injectable()
export class ChannelsRepository implements OnModuleInit {
  constructor(@InjectModel(Channel.name) private readonly channels: Model<Channel>) {}

  async onModuleInit(): Promise<void> {
    await this.channels.init();
  }

  async create(channel: NewChannel): Promise<ChannelRecord> {
    const created = await this.channels.create({ _id: randomUUID(), ...channel });
    return created.toObject();
  }

  /** The seed script's idempotent create: a public channel of that name owned by nobody, made once. */
  async ensureSeeded(channel: NewChannel): Promise<boolean> {
    const result = await this.channels
      .updateOne(
        { name: channel.name, owner_id: null },
        { $setOnInsert: { _id: randomUUID(), ...channel, created_at: new Date(), updated_at: new Date() } },
        { upsert: true, timestamps: false },
      )
      .exec();
    return result.upsertedCount === 1;
  }

  findById(id: string): Promise<ChannelRecord | null> {
    return this.channels.findById(id).lean<ChannelRecord>().exec();
  }

  /** The type of each of these channels that exists. */
  findTypes(ids: readonly string[]): Promise<Pick<ChannelRecord, '_id' | 'channel_type'>[]> {
    return this.channels
      .find({ _id: { $in: ids } }, { channel_type: 1 })
      .lean<Pick<ChannelRecord, '_id' | 'channel_type'>[]>()
      .exec();
  }

  list(filter: ChannelFilter): Promise<ChannelRecord[]> {
    const query: FilterQuery<Channel> = {};
    if (filter.privateVisibleTo !== 'all') {
      query.$or = [{ is_private: false }, { owner_id: filter.privateVisibleTo }, { member_ids: filter.privateVisibleTo }];
    }
    if (filter.name) query.name = { $regex: escapeRegex(filter.name), $options: 'i' };
    if (filter.channel_type) query.channel_type = filter.channel_type;
    return this.channels.find(query).sort({ created_at: 1, _id: 1 }).limit(CHANNEL_LIST_LIMIT).lean<ChannelRecord[]>().exec();
  }

  /**
   * One page of the channels `userId` may see but does not own (public ones, private ones it was
   * admitted to), newest first; its own are listed apart so that no number of others crowds them out.
   */
  pageOthersVisibleTo(userId: string, skip: number, limit: number): Promise<ChannelRecord[]> {
    return this.channels.find(othersVisibleTo(userId)).sort({ created_at: -1, _id: -1 }).skip(skip).limit(limit).lean<ChannelRecord[]>().exec();
  }

  countOthersVisibleTo(userId: string): Promise<number> {
    return this.channels.countDocuments(othersVisibleTo(userId)).exec();
  }

  pageOwnedBy(ownerId: string, skip: number, limit: number): Promise<ChannelRecord[]> {
    return this.channels.find({ owner_id: ownerId }).sort({ created_at: -1, _id: -1 }).skip(skip).limit(limit).lean<ChannelRecord[]>().exec();
  }

  countOwnedBy(ownerId: string): Promise<number> {
    return this.channels.countDocuments({ owner_id: ownerId }).exec();
  }

  /** How many of the owner's channels were created before this one (by creation time, then id): its rank against the quota. */
  countOwnedBefore(channel: ChannelRecord): Promise<number> {
    return this.channels
      .countDocuments({
        owner_id: channel.owner_id,
        $or: [{ created_at: { $lt: channel.created_at } }, { created_at: channel.created_at, _id: { $lt: channel._id } }],
      })
      .exec();
  }

  count(): Promise<number> {
    return this.channels.countDocuments().exec();
  }

  async incrementConnections(id: string): Promise<void> {
    await this.channels.updateOne({ _id: id }, { $inc: { total_connections: 1 } }, { timestamps: false }).exec();
  }

  async deleteById(id: string): Promise<boolean> {
    return (await this.channels.deleteOne({ _id: id }).exec()).deletedCount === 1;
  }
}

function othersVisibleTo(userId: string): FilterQuery<Channel> {
  return { owner_id: { $ne: userId }, $or: [{ is_private: false }, { member_ids: userId }] };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
