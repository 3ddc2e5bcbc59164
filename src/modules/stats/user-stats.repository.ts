import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation, Model } from 'mongoose';
import { UserCounters, UserStats } from './schemas/user-stats.schema';

export interface UserStatsDelta {
  counters: Partial<UserCounters>;
  lastSeen?: Date;
}

const MAX_STATEMENTS_PER_WRITE = 50;

@Injectable()
export class UserStatsRepository {
  constructor(@InjectModel(UserStats.name) private readonly stats: Model<UserStats>) {}

  /** One `$inc` upsert per user, a few dozen users per round trip. */
  async apply(deltas: Map<string, UserStatsDelta>): Promise<void> {
    const operations: AnyBulkWriteOperation<UserStats>[] = [...deltas].map(([userId, delta]) => ({
      updateOne: {
        filter: { _id: userId },
        update: { $inc: delta.counters, ...(delta.lastSeen ? { $set: { last_seen: delta.lastSeen } } : {}) },
        upsert: true,
      },
    }));
    // The embedded database holds its write lock for a whole update command: a few dozen
    // statements per command let other writes in between.
    for (let start = 0; start < operations.length; start += MAX_STATEMENTS_PER_WRITE) {
      await this.stats.bulkWrite(operations.slice(start, start + MAX_STATEMENTS_PER_WRITE), { ordered: false });
    }
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
