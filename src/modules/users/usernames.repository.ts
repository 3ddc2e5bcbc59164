import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { duplicateKeyField } from '../../database/mongo-errors';
import { Username, UsernameRecord } from './schemas/username.schema';

/** The only code that touches the usernames collection: one claim per lower-cased username, by `_id`. */
@Injectable()
export class UsernamesRepository implements OnModuleInit {
  constructor(@InjectModel(Username.name) private readonly usernames: Model<Username>) {}

  async onModuleInit(): Promise<void> {
    await this.usernames.init();
  }

  find(key: string): Promise<UsernameRecord | null> {
    return this.usernames.findById(key).lean<UsernameRecord>().exec();
  }

  /** Claims `key` for `userId`; false when a claim exists already (the `_id` decides, atomically). */
  async claim(key: string, userId: string, now: Date): Promise<boolean> {
    try {
      await this.usernames.create({ _id: key, user_id: userId, claimed_at: now });
      return true;
    } catch (error) {
      if (duplicateKeyField(error) === undefined) throw error;
      return false;
    }
  }

  /** Claims `key` for `userId` unless some claim exists; true when it is (now) `userId`'s. */
  async ensure(key: string, userId: string, now: Date): Promise<boolean> {
    if (await this.claim(key, userId, now)) return true;
    return (await this.find(key))?.user_id === userId;
  }

  /** Drops `userId`'s claim on `key`; a claim that is someone else's stays. */
  async release(key: string, userId: string): Promise<void> {
    await this.usernames.deleteOne({ _id: key, user_id: userId }).exec();
  }

  /** Drops exactly the claim that was read (same holder, same time), not one made since. */
  async releaseStale(claim: UsernameRecord): Promise<void> {
    await this.usernames.deleteOne({ _id: claim._id, user_id: claim.user_id, claimed_at: claim.claimed_at }).exec();
  }
}
