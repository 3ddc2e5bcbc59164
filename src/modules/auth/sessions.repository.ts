import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import type { RevocationReason } from './auth.events';
import { Session, SessionRecord } from './schemas/session.schema';

export interface NewSession {
  id: string;
  userId: string;
  tokenHash: string;
  refreshHash: string;
  ip: string | null;
  userAgent: string | null;
  now: Date;
  expiresAt: Date;
}

/** The only code that touches the sessions collection. Every change is one conditional single-document update. */
@Injectable()
export class SessionsRepository implements OnModuleInit {
  constructor(@InjectModel(Session.name) private readonly sessions: Model<Session>) {}

  async onModuleInit(): Promise<void> {
    await this.sessions.init();
  }

  async create(session: NewSession): Promise<void> {
    await this.sessions.create({
      _id: session.id,
      user_id: session.userId,
      token_hash: session.tokenHash,
      refresh_hash: session.refreshHash,
      ip: session.ip,
      user_agent: session.userAgent,
      created_at: session.now,
      last_used_at: session.now,
      expires_at: session.expiresAt,
    });
  }

  findById(id: string): Promise<SessionRecord | null> {
    return this.sessions.findById(id).lean<SessionRecord>().exec();
  }

  findByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    return this.sessions.findOne({ token_hash: tokenHash }).lean<SessionRecord>().exec();
  }

  /**
   * Rotation: succeeds only while `presentedHash` is still the session's current
   * refresh hash, so of two uses of one refresh token exactly one wins.
   */
  rotateRefresh(id: string, presentedHash: string, nextHash: string, now: Date): Promise<SessionRecord | null> {
    return this.sessions
      .findOneAndUpdate(
        { _id: id, refresh_hash: presentedHash, revoked_at: null, expires_at: { $gt: now } },
        { $set: { refresh_hash: nextHash, previous_refresh_hash: presentedHash, rotated_at: now, last_used_at: now }, $inc: { refresh_generation: 1 } },
        { new: true },
      )
      .lean<SessionRecord>()
      .exec();
  }

  /**
   * The live session whose last rotation spent `presentedHash` after `since` and whose current
   * refresh token is still that rotation's `successorHash` (the grace of a concurrent refresh).
   */
  findRotatedSince(id: string, presentedHash: string, successorHash: string, since: Date, now: Date): Promise<SessionRecord | null> {
    return this.sessions
      .findOne({
        _id: id,
        previous_refresh_hash: presentedHash,
        refresh_hash: successorHash,
        rotated_at: { $gt: since },
        revoked_at: null,
        expires_at: { $gt: now },
      })
      .lean<SessionRecord>()
      .exec();
  }

  /** Starts a new refresh token for a live session whatever the current one is (login by session token). */
  replaceRefresh(id: string, nextHash: string, now: Date): Promise<SessionRecord | null> {
    return this.sessions
      .findOneAndUpdate(
        { _id: id, revoked_at: null, expires_at: { $gt: now } },
        { $set: { refresh_hash: nextHash, previous_refresh_hash: null, rotated_at: null, last_used_at: now }, $inc: { refresh_generation: 1 } },
        { new: true },
      )
      .lean<SessionRecord>()
      .exec();
  }

  /** Marks a live session revoked; null when it was already revoked (so each revocation is reported once). */
  revoke(id: string, reason: RevocationReason, now: Date): Promise<SessionRecord | null> {
    return this.sessions
      .findOneAndUpdate({ _id: id, revoked_at: null }, { $set: { revoked_at: now, revoked_reason: reason } }, { new: true })
      .lean<SessionRecord>()
      .exec();
  }

  async unrevokedIdsOfUser(userId: string): Promise<string[]> {
    const rows = await this.sessions.find({ user_id: userId, revoked_at: null }, { _id: 1 }).lean<{ _id: string }[]>().exec();
    return rows.map((row) => row._id);
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.sessions.updateOne({ _id: id, revoked_at: null }, { $set: { last_used_at: now } }).exec();
  }

  async deleteOfUser(userId: string): Promise<number> {
    return (await this.sessions.deleteMany({ user_id: userId }).exec()).deletedCount;
  }

  async deleteExpired(now: Date): Promise<number> {
    return (await this.sessions.deleteMany({ expires_at: { $lte: now } }).exec()).deletedCount;
  }

  /** Revoked sessions are kept a while for the audit trail, then swept. */
  async deleteRevokedBefore(cutoff: Date): Promise<number> {
    return (await this.sessions.deleteMany({ revoked_at: { $ne: null, $lte: cutoff } }).exec()).deletedCount;
  }
}
