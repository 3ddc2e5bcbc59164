import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import { FilterQuery, Model } from 'mongoose';
import type { Role } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { duplicateKeyField } from '../../database/mongo-errors';
import { emailKey, MAX_SCORE, User, UserRecord, usernameKey } from './schemas/user.schema';

export interface NewUser {
  username: string;
  email?: string | null;
  display_name: string;
  password_hash: string | null;
  role?: Role;
}

export interface AccountChanges {
  username?: string;
  email?: string;
  password_hash?: string;
}

/** The only code that touches the users collection. */
@Injectable()
export class UsersRepository implements OnModuleInit {
  constructor(@InjectModel(User.name) private readonly users: Model<User>) {}

  /** Unique indexes must exist before the first write, or uniqueness is not enforced yet. */
  async onModuleInit(): Promise<void> {
    await this.users.init();
  }

  async create(user: NewUser): Promise<UserRecord> {
    const id = randomUUID();
    try {
      const created = await this.users.create({
        _id: id,
        username: user.username,
        username_key: usernameKey(user.username),
        email: user.email ?? null,
        email_key: emailKey(user.email, id),
        display_name: user.display_name,
        password_hash: user.password_hash,
        role: user.role ?? 'user',
      });
      return created.toObject();
    } catch (error) {
      const field = duplicateKeyField(error);
      if (field === undefined) throw error;
      throw (await this.isUsernameTaken(field, user.username)) ? new AppError('USERNAME_TAKEN') : new AppError('EMAIL_TAKEN');
    }
  }

  /** FerretDB's duplicate-key error names no index: then ask which of the two keys is taken. */
  private async isUsernameTaken(field: string, username: string): Promise<boolean> {
    if (field) return field.startsWith('username');
    return (await this.users.exists({ username_key: usernameKey(username) }).exec()) !== null;
  }

  /** Every account, active or not (server statistics); collection metadata, no scan. */
  countAll(): Promise<number> {
    return this.users.estimatedDocumentCount().exec();
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.users.findById(id).lean<UserRecord>().exec();
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.users
      .findOne({ username_key: usernameKey(username) })
      .lean<UserRecord>()
      .exec();
  }

  /**
   * Changes the sign-in fields of one account in one update; the unique indexes
   * decide conflicts (USERNAME_TAKEN / EMAIL_TAKEN). Null when the account is gone.
   */
  async updateAccount(id: string, changes: AccountChanges): Promise<UserRecord | null> {
    const set: Partial<User> = {};
    if (changes.username !== undefined) Object.assign(set, { username: changes.username, username_key: usernameKey(changes.username) });
    if (changes.email !== undefined) Object.assign(set, { email: changes.email, email_key: emailKey(changes.email, id) });
    if (changes.password_hash !== undefined) set.password_hash = changes.password_hash;
    try {
      return await this.users.findOneAndUpdate({ _id: id }, { $set: set }, { new: true }).lean<UserRecord>().exec();
    } catch (error) {
      const field = duplicateKeyField(error);
      if (field === undefined) throw error;
      const usernameClash =
        changes.username !== undefined &&
        (field ? field.startsWith('username') : (await this.users.exists({ username_key: usernameKey(changes.username), _id: { $ne: id } }).exec()) !== null);
      throw new AppError(usernameClash ? 'USERNAME_TAKEN' : 'EMAIL_TAKEN');
    }
  }

  /** Sets last_login on an active account; null when it is gone or deactivated. */
  recordLogin(id: string, at: Date): Promise<UserRecord | null> {
    return this.users
      .findOneAndUpdate({ _id: id, is_active: true }, { $set: { last_login: at } }, { new: true })
      .lean<UserRecord>()
      .exec();
  }

  list(limit: number, offset: number): Promise<UserRecord[]> {
    return this.users.find().sort({ created_at: 1, _id: 1 }).skip(offset).limit(limit).lean<UserRecord[]>().exec();
  }

  topByScore(limit: number): Promise<UserRecord[]> {
    return this.users.find({ is_active: true }).sort({ score: -1, _id: 1 }).limit(limit).lean<UserRecord[]>().exec();
  }

  /**
   * One atomic `$inc`: parallel increments all land. The range check is in the filter, so an
   * increment that would leave ±MAX_SCORE changes nothing (null, as for an unknown id).
   */
  incrementScore(id: string, increment: number): Promise<UserRecord | null> {
    const inRange = increment >= 0 ? { $lte: MAX_SCORE - increment } : { $gte: -MAX_SCORE - increment };
    return this.users
      .findOneAndUpdate({ _id: id, score: inRange }, { $inc: { score: increment } }, { new: true })
      .lean<UserRecord>()
      .exec();
  }

  async exists(id: string): Promise<boolean> {
    return (await this.users.exists({ _id: id }).exec()) !== null;
  }

  async deleteById(id: string): Promise<boolean> {
    const result = await this.users.deleteOne({ _id: id }).exec();
    return result.deletedCount === 1;
  }

  async adminExists(): Promise<boolean> {
    return (await this.users.exists({ role: 'admin' }).exec()) !== null;
  }

  /** One page of users matching `search` (username or display name, case-insensitive), with `_id` as tie-break. */
  page(search: string | undefined, sortBy: UserSortKey, order: 1 | -1, skip: number, limit: number): Promise<UserRecord[]> {
    return this.users
      .find(searchFilter(search))
      .sort({ [sortBy]: order, _id: 1 })
      .skip(skip)
      .limit(limit)
      .lean<UserRecord[]>()
      .exec();
  }

  countMatching(search: string | undefined): Promise<number> {
    return this.users.countDocuments(searchFilter(search)).exec();
  }

  /** The profile and admin fields in one `$set`; the email's unique index decides conflicts (EMAIL_TAKEN). */
  async updateProfile(id: string, changes: ProfileChanges): Promise<UserRecord | null> {
    const { email, ...rest } = changes;
    const set: Partial<User> = { ...rest };
    if (email !== undefined) Object.assign(set, { email, email_key: emailKey(email, id) });
    try {
      return await this.users.findOneAndUpdate({ _id: id }, { $set: set }, { new: true }).lean<UserRecord>().exec();
    } catch (error) {
      if (duplicateKeyField(error) === undefined) throw error;
      throw new AppError('EMAIL_TAKEN');
    }
  }
}

export interface ProfileChanges {
  display_name?: string;
  email?: string;
  is_active?: boolean;
  role?: Role;
  score?: number;
}

/** `username_key` sorts usernames case-insensitively through its index. */
export type UserSortKey = 'username_key' | 'created_at' | 'score' | 'last_login';

function searchFilter(search: string | undefined): FilterQuery<User> {
  if (!search) return {};
  const pattern = { $regex: search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), $options: 'i' };
  return { $or: [{ username: pattern }, { display_name: pattern }] };
}
