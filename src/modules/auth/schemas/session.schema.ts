import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { RevocationReason } from '../auth.events';

/**
 * One login. Only SHA-256 hashes of its tokens are stored: the opaque session
 * token (sent as the `INSAkari-Connect-Token` header) and the current refresh token of
 * its rotation family. The `_id` is the `sid` claim of its access JWTs.
 * No TTL index (FerretDB has none): a periodic sweep deletes expired sessions
 * and every read filters on `expires_at`.
 */
@Schema({ collection: 'sessions', versionKey: false })
export class Session {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true, index: true })
  user_id!: string;

  @Prop({ type: String, required: true, unique: true })
  token_hash!: string;

  /** Hash of the one refresh token that may be used next; rotated on every refresh. */
  @Prop({ type: String, required: true, unique: true })
  refresh_hash!: string;

  /** Hash of the refresh token the last rotation spent: presented again within the grace window, it gets the same successor. */
  @Prop({ type: String, default: null })
  previous_refresh_hash!: string | null;

  /** When the refresh token was last rotated (start of the reuse grace window). */
  @Prop({ type: Date, default: null })
  rotated_at!: Date | null;

  /** How many times the refresh token was rotated. */
  @Prop({ type: Number, default: 0 })
  refresh_generation!: number;

  @Prop({ type: String, default: null })
  ip!: string | null;

  @Prop({ type: String, default: null })
  user_agent!: string | null;

  @Prop({ type: Date, required: true })
  created_at!: Date;

  @Prop({ type: Date, required: true })
  last_used_at!: Date;

  @Prop({ type: Date, required: true, index: true })
  expires_at!: Date;

  @Prop({ type: Date, default: null })
  revoked_at!: Date | null;

  @Prop({ type: String, default: null })
  revoked_reason!: RevocationReason | null;

  /**
   * True once `session_tokens` holds the row for `token_hash`. Sessions written before that
   * collection existed lack it; the startup backfill finds them by its absence.
   */
  @Prop({ type: Boolean, default: false })
  token_keyed?: boolean;
}

export type SessionRecord = Session;

export const SessionSchema = SchemaFactory.createForClass(Session);
