import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export const CHANNEL_TYPES = ['voice', 'text'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

@Schema({ collection: 'channels', versionKey: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Channel {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  name!: string;

  @Prop({ type: String, default: '' })
  description!: string;

  @Prop({ type: Number, required: true })
  max_users!: number;

  @Prop({ type: Boolean, default: false })
  is_private!: boolean;

  @Prop({ type: String, enum: CHANNEL_TYPES, default: 'voice' })
  channel_type!: ChannelType;

  /** The creating user; null for channels made by the seed script. */
  @Prop({ type: String, default: null })
  owner_id!: string | null;

  /** Users (besides the owner) allowed to see and join a private channel. */
  @Prop({ type: [String], default: [] })
  member_ids!: string[];

  /** Joins over the channel's lifetime (one per user joining), `$inc`-ed atomically. */
  @Prop({ type: Number, default: 0 })
  total_connections!: number;

  created_at!: Date;
  updated_at!: Date;
}

export type ChannelRecord = Channel;

export const ChannelSchema = SchemaFactory.createForClass(Channel);
ChannelSchema.index({ is_private: 1, created_at: 1 });
ChannelSchema.index({ owner_id: 1, created_at: -1 });
