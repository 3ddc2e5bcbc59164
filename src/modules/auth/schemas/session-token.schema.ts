import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The session a session token opens, keyed by the token's hash: checking an
 * `INSAkari-Connect-Token` reads this row and the session, both by `_id` (on the embedded
 * database any other filter reads the whole collection). Written before its session; swept
 * with it at `expires_at`. A row whose session was deleted earlier leads nowhere.
 */
@Schema({ collection: 'session_tokens', versionKey: false })
export class SessionToken {
  /** SHA-256 of the session token, as `Session.token_hash`. */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  session_id!: string;

  @Prop({ type: Date, required: true, index: true })
  expires_at!: Date;
}

export type SessionTokenRecord = SessionToken;

export const SessionTokenSchema = SchemaFactory.createForClass(SessionToken);
