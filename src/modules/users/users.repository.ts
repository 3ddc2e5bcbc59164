import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { randomUUID } from 'node:crypto';
import { FilterQuery, Model } from 'mongoose';
import type { Role } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { duplicateKeyField } from '../../database/mongo-errors';
import { emailKey, MAX_SCORE, User, UserRecord, usernameKey } from './schemas/user.schema';
import { UsernamesRepository } from './usernames.repository';

/** A claim older than this whose user does not hold the name is left over (a signup or rename cut short) and may be taken. */
const CLAIM_GRACE_MS = 60_000;
/** Users per read of the startup backfill. */
const BACKFILL_BATCH = 200;

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

/**
 * The only code that touches the users collection. A username is found through its claim in
 * the usernames collection (two reads by `_id`), which also decides USERNAME_TAKEN; the users
 * collection's unique `username_key` index stays as the last word.
 */
@Injectable()
export class UsersRepository implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(UsersRepository.name);
  /** Until the backfill has run, a user may have no claim yet: a name without one is then searched the old way. */
  private claimsComplete = false;

  constructor(
    @InjectModel(User.name) private readonly users: Model<User>,
    private readonly usernames: UsernamesRepository,
  ) {}

  /** Unique indexes must exist before the first write, or uniqueness is not enforced yet. */
  async onModuleInit(): Promise<void> {
    await this.users.init();
  }

  onApplicationBootstrap(): void {
    this.backfillClaims()
      .then((claimed) => {
        this.claimsComplete = true;
        if (claimed > 0) this.logger.log(`claimed the usernames of ${claimed} existing users`);
      })
      .catch((error: Error) =>
        this.logger.warn(`username backfill failed (names without a claim are searched by field until the next start): ${error.message}`),
      );
  }

  async create(user: NewUser): Promise<UserRecord> {
    const id = randomUUID();
    const key = usernameKey(user.username);
    if (!(await this.claimUsername(key, id))) throw new AppError('USERNAME_TAKEN');
    try {
      const created = await this.users.create({
        _id: id,
        username: user.username,
        username_key: key,
        email: user.email ?? null,
        email_key: emailKey(user.email, id),
        display_name: user.display_name,
        password_hash: user.password_hash,
        role: user.role ?? 'user',
        username_claimed: true,
      });
      return created.toObject();
    } catch (error) {
      await this.usernames.release(key, id);
      const field = duplicateKeyField(error);
      if (field === undefined) throw error;
      throw (await this.isUsernameTaken(field, user.username)) ? new AppError('USERNAME_TAKEN') : new AppError('EMAIL_TAKEN');
    }
  }

  /**
   * Claims `key` for `userId`. A claim held by another user that does not carry the name is
   * left over from a signup or rename cut short (crash, lost connection): after a grace period
   * that exceeds any signup in progress, exactly that claim is dropped and the claim tried again.
   */
  private async claimUsername(key: string, userId: string): Promise<boolean> {
    const now = new Date();
    if (await this.usernames.claim(key, userId, now)) return true;
    const holder = await this.usernames.find(key);
    if (!holder) return this.usernames.claim(key, userId, now);
    if (holder.user_id === userId) return true;
    if (now.getTime() - holder.claimed_at.getTime() < CLAIM_GRACE_MS) return false;
    if ((await this.users.findById(holder.user_id, { username_key: 1 }).lean<Pick<User, 'username_key'>>().exec())?.username_key === key) return false;
    await this.usernames.releaseStale(holder);
    return this.usernames.claim(key, userId, now);
  }

  /**
   * Claims the names of users written before the usernames collection existed, a bounded batch
   * at a time, and marks each user so the next start reads none of them again. Idempotent: a
   * claim already there is kept; a name another user's claim holds is left to that claim.
   */
  private async backfillClaims(): Promise<number> {
    let claimed = 0;
    for (;;) {
      const batch = await this.users
        .find({ username_claimed: { $ne: true } }, { _id: 1, username_key: 1 })
        .limit(BACKFILL_BATCH)
        .lean<Pick<User, '_id' | 'username_key'>[]>()
        .exec();
      if (batch.length === 0) return claimed;
      for (const user of batch) {
        if (await this.usernames.ensure(user.username_key, user._id, new Date())) claimed++;
        else this.logger.warn(`username of user ${user._id} is claimed by another user; left as it is`);
        await this.users.updateOne({ _id: user._id, username_key: user.username_key }, { $set: { username_claimed: true } }).exec();
      }
    }
  }

  /** FerretDB's duplicate-key error names no index: then ask which of the two keys is taken. */
  private async isUsernameTaken(field: string, username: string): Promise<boolean> {
    if (field) return field.startsWith('username');
    return (await this.users.exists({ username_key: usernameKey(username) }).exec()) !== null;
  }

  /** Every account, active or not (server statistics): MongoDB answers from collection metadata; the embedded database counts rows. */
  countAll(): Promise<number> {
    return this.users.estimatedDocumentCount().exec();
  }

  findById(id: string): Promise<UserRecord | null> {
    return this.users.findById(id).lean<UserRecord>().exec();
  }

  /** Two reads by `_id` (claim, then user). A name without a claim is searched by field only while claims may be missing. */
  async findByUsername(username: string): Promise<UserRecord | null> {
    const key = usernameKey(username);
    const claim = await this.usernames.find(key);
    if (claim) {
      const user = await this.findById(claim.user_id);
      if (user?.username_key === key) return user;
    } else if (this.claimsComplete) {
      return null;
    }
    // No claim yet (before the backfill), or a claim whose user is being created or has moved on.
    return this.users.findOne({ username_key: key }).lean<UserRecord>().exec();
  }

  /**
   * Changes the sign-in fields of one account in one update; the unique indexes
   * decide conflicts (USERNAME_TAKEN / EMAIL_TAKEN). Null when the account is gone.
   */
  async updateAccount(id: string, changes: AccountChanges): Promise<UserRecord | null> {
    const set: Partial<User> = {};
    const newKey = changes.username === undefined ? undefined : usernameKey(changes.username);
    if (changes.username !== undefined) Object.assign(set, { username: changes.username, username_key: newKey });
    if (changes.email !== undefined) Object.assign(set, { email: changes.email, email_key: emailKey(changes.email, id) });
    if (changes.password_hash !== undefined) set.password_hash = changes.password_hash;
    // A new name is claimed first (its `_id` decides a clash) and the old claim dropped once the user carries the new one.
    let oldKey: string | undefined;
    if (newKey !== undefined) {
      const current = await this.users.findById(id, { username_key: 1 }).lean<Pick<User, 'username_key'>>().exec();
      if (!current) return null;
      if (current.username_key !== newKey) {
        if (!(await this.claimUsername(newKey, id))) throw new AppError('USERNAME_TAKEN');
        oldKey = current.username_key;
        set.username_claimed = true;
      }
    }
    try {
      const updated = await this.users.findOneAndUpdate({ _id: id }, { $set: set }, { new: true }).lean<UserRecord>().exec();
      if (oldKey !== undefined && newKey !== undefined) await this.usernames.release(updated?.username_key === newKey ? oldKey : newKey, id);
      return updated;
    } catch (error) {
      if (oldKey !== undefined && newKey !== undefined) await this.usernames.release(newKey, id);
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
    // No projection: FerretDB v1 refuses one on findAndModify.
    const deleted = await this.users.findOneAndDelete({ _id: id }).lean<UserRecord>().exec();
    if (!deleted) return false;
    await this.usernames.release(deleted.username_key, id);
    return true;
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
