import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { ROLES, Role } from '../../../common/auth/principal';

@Schema({ collection: 'users', versionKey: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class User {
  @Prop({ type: String, default: () => randomUUID() })
  _id!: string;

  @Prop({ type: String, required: true })
  username!: string;

  /** Lower-cased username; its unique index makes usernames unique case-insensitively. */
  @Prop({ type: String, required: true, unique: true })
  username_key!: string;

  @Prop({ type: String, default: null })
  email!: string | null;

  /**
   * Lower-cased email, or `~<id>` when there is none: FerretDB has no partial
   * indexes and MongoDB's unique index counts missing values as equal nulls, so an
   * absent email gets a value that can never collide.
   */
  @Prop({ type: String, required: true, unique: true })
  email_key!: string;

  @Prop({ type: String, required: true })
  display_name!: string;

  /** bcrypt hash; null for accounts created without a password (`POST /api/users`), which cannot log in. */
  @Prop({ type: String, default: null })
  password_hash!: string | null;

  /**
   * A BSON double, exact for every integer within ±(2^53−1). As a plain Number, the driver sends small
   * values as int32 and FerretDB's `$inc` of two int32 wraps at 2^31 instead of widening.
   */
  @Prop({ type: MongooseSchema.Types.Double, default: 0 })
  score!: number;

  @Prop({ type: String, enum: ROLES, default: 'user' })
  role!: Role;

  @Prop({ type: Boolean, default: true })
  is_active!: boolean;

  @Prop({ type: Date, default: null })
  last_login!: Date | null;

  /**
   * True once the `usernames` collection holds this user's claim. Users written before that
   * collection existed lack it; the startup backfill finds them by its absence.
   */
  @Prop({ type: Boolean, default: false })
  username_claimed?: boolean;

  created_at!: Date;
  updated_at!: Date;
}

export type UserRecord = User;

export const UserSchema = SchemaFactory.createForClass(User);
UserSchema.index({ score: -1, _id: 1 });
UserSchema.index({ created_at: 1, _id: 1 });
UserSchema.index({ role: 1 });

export function usernameKey(username: string): string {
  return username.toLowerCase();
}

export function emailKey(email: string | null | undefined, id: string): string {
  return email ? email.toLowerCase() : `~${id}`;
}

/** Scores are integers a JavaScript client reads exactly. */
export const MAX_SCORE = Number.MAX_SAFE_INTEGER;
