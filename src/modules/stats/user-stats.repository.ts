import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation, Model } from 'mongoose';
import { UserCounters, UserStats } from './schemas/user-stats.schema';

export interface UserStatsDelta {
  counters: Partial<UserCounters>;
  lastSeen?: Date;
}

@Injectable()
export class UserStatsRepository {
  constructor(@InjectModel(UserStats.name) private readonly stats: Model<UserStats>) {}

  /** One `$inc` upsert per user, in a single round trip. */
  async apply(deltas: Map<string, UserStatsDelta>): Promise<void> {
    if (deltas.size === 0) return;
    const operations: AnyBulkWriteOperation<UserStats>[] = [...deltas].map(([userId, delta]) => ({
      updateOne: {
        filter: { _id: userId },
        update: { $inc: delta.counters, ...(delta.lastSeen ? { $set: { last_seen: delta.lastSeen } } : {}) },
        upsert: true,
      },
    }));
    await this.stats.bulkWrite(operations, { ordered: false });
  }

  findById(userId: string): Promise<UserStats | null> {
    return this.stats.findById(userId).lean<UserStats>().exec();
  }

  async deleteById(userId: string): Promise<void> {
    await this.stats.deleteOne({ _id: userId }).exec();
  }

  async deleteAll(): Promise<number> {
    return (await this.stats.deleteMany({}).exec()).deletedCount;
  }
}
