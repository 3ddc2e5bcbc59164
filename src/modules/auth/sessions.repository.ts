import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model } from 'mongoose';
import { duplicateKeyField } from '../../database/mongo-errors';
import type { RevocationReason } from './auth.events';
import { SessionToken, SessionTokenRecord } from './schemas/session-token.schema';
import { Session, SessionRecord } from './schemas/session.schema';

/** Sessions per read of the startup backfill. */
const BACKFILL_BATCH = 200;

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

/**
 * The only code that touches the sessions and session_tokens collections. Every change is one
 * conditional single-document update. A session token is looked up through its session_tokens
 * row: two reads by `_id`.
 */
@Injectable()
export class SessionsRepository implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SessionsRepository.name);
  /** Until the backfill has run, a live session may have no token row yet: a token without one is then searched the old way. */
  private tokenRowsComplete = false;

  constructor(
    @InjectModel(Session.name) private readonly sessions: Model<Session>,
    @InjectModel(SessionToken.name) private readonly tokens: Model<SessionToken>,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([this.sessions.init(), this.tokens.init()]);
  }

  onApplicationBootstrap(): void {
    this.backfillTokenRows()
      .then((written) => {
        this.tokenRowsComplete = true;
        if (written > 0) this.logger.log(`wrote the token rows of ${written} existing sessions`);
      })
      .catch((error: Error) =>
        this.logger.warn(`session token backfill failed (tokens without a row are searched by field until the next start): ${error.message}`),
      );
  }

  async create(session: NewSession): Promise<void> {
    await this.writeTokenRow(session.tokenHash, session.id, session.expiresAt);
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
      token_keyed: true,
    });
  }

  /** Idempotent: a row already there (a retried backfill) is kept. */
  private async writeTokenRow(tokenHash: string, sessionId: string, expiresAt: Date): Promise<void> {
    try {
      await this.tokens.create({ _id: tokenHash, session_id: sessionId, expires_at: expiresAt });
    } catch (error) {
      if (duplicateKeyField(error) === undefined) throw error;
    }
  }

  /**
   * Writes the token rows of live sessions created before session_tokens existed, a bounded batch
   * at a time, and marks each session so the next start reads none of them again.
   */
  private async backfillTokenRows(): Promise<number> {
    let written = 0;
    for (;;) {
      const batch = await this.sessions
        .find({ token_keyed: { $ne: true }, expires_at: { $gt: new Date() } }, { _id: 1, token_hash: 1, expires_at: 1 })
        .limit(BACKFILL_BATCH)
        .lean<Pick<Session, '_id' | 'token_hash' | 'expires_at'>[]>()
        .exec();
      if (batch.length === 0) return written;
      for (const session of batch) {
        await this.writeTokenRow(session.token_hash, session._id, session.expires_at);
        await this.sessions.updateOne({ _id: session._id }, { $set: { token_keyed: true } }).exec();
        written++;
      }
    }
  }

  findById(id: string): Promise<SessionRecord | null> {
    return this.sessions.findById(id).lean<SessionRecord>().exec();
  }

  /** Two reads by `_id` (token row, then session). A token without a row is searched by field only while rows may be missing. */
  async findByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    const row = await this.tokens.findById(tokenHash).lean<SessionTokenRecord>().exec();
    if (row) {
      const session = await this.findById(row.session_id);
      return session?.token_hash === tokenHash ? session : null;
    }
    if (this.tokenRowsComplete) return null;
    const session = await this.sessions.findOne({ token_hash: tokenHash }).lean<SessionRecord>().exec();
    if (session) await this.writeTokenRow(tokenHash, session._id, session.expires_at);
    return session;
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

  /** Expired sessions and their token rows (also the rows of sessions deleted before they expired). */
  async deleteExpired(now: Date): Promise<number> {
    const deleted = (await this.sessions.deleteMany({ expires_at: { $lte: now } }).exec()).deletedCount;
    await this.tokens.deleteMany({ expires_at: { $lte: now } }).exec();
    return deleted;
  }

  /** Revoked sessions are kept a while for the audit trail, then swept. */
  async deleteRevokedBefore(cutoff: Date): Promise<number> {
    return (await this.sessions.deleteMany({ revoked_at: { $ne: null, $lte: cutoff } }).exec()).deletedCount;
  }
}
