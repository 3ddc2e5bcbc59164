import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * An invitation code that admins issue for sign-up. `remaining_uses` is what consumption tests and
 * decrements in one conditional update (FerretDB has no `$expr`, so "uses <
 * max_uses" is kept as its own field); `uses` mirrors it for the public shape.
 * The status (active, used, expired, revoked) is derived, never stored.
 */
@Schema({ collection: 'invitations', versionKey: false })
export class Invitation {
  @Prop({ type: String, required: true })
  _id!: string;

  /** Canonical form `XXXX-XXXX-XXXX-XXXX` (Crockford base32, 80 random bits). */
  @Prop({ type: String, required: true, unique: true })
  code!: string;

  @Prop({ type: String, default: null })
  note!: string | null;

  /** Id of the admin who generated it. */
  @Prop({ type: String, default: null })
  created_by!: string | null;

  @Prop({ type: Date, required: true, index: true })
  created_at!: Date;

  @Prop({ type: Date, required: true, index: true })
  expires_at!: Date;

  @Prop({ type: Number, required: true })
  max_uses!: number;

  @Prop({ type: Number, required: true })
  uses!: number;

  @Prop({ type: Number, required: true })
  remaining_uses!: number;

  /** Usernames of the accounts created with it, in order. */
  @Prop({ type: [String], default: [] })
  used_by!: string[];

  @Prop({ type: Date, default: null })
  revoked_at!: Date | null;
}

export type InvitationRecord = Invitation;

export const InvitationSchema = SchemaFactory.createForClass(Invitation);
