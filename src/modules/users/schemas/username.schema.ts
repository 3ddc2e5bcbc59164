import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * The claim on one username: its `_id` is the lower-cased name (`username_key`), so
 * signing in reads one document by `_id` instead of searching users by a field (on the
 * embedded database, any filter other than `_id` reads the whole collection), and the
 * `_id`'s uniqueness decides USERNAME_TAKEN. Written before the user it names, deleted
 * after it, moved with a rename.
 */
@Schema({ collection: 'usernames', versionKey: false })
export class Username {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  user_id!: string;

  /** When the claim was made: a claim whose user never appeared is reclaimable only after a grace period. */
  @Prop({ type: Date, required: true })
  claimed_at!: Date;
}

export type UsernameRecord = Username;

export const UsernameSchema = SchemaFactory.createForClass(Username);
