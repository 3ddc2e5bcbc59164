import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export const USER_COUNTER_NAMES = [
  'total_connections',
  'total_session_seconds',
  'channels_joined',
  'messages_sent',
  'audio_packets_sent',
  'audio_bytes_sent',
  'calls_made',
] as const;

export type UserCounterName = (typeof USER_COUNTER_NAMES)[number];
export type UserCounters = Record<UserCounterName, number>;

/** Lifetime counters of one user; `_id` is the user's id. */
@Schema({ collection: 'user_stats', versionKey: false })
export class UserStats {
  @Prop({ type: String })
  _id!: string;

  @Prop({ type: Number, default: 0 }) total_connections!: number;
  @Prop({ type: Number, default: 0 }) total_session_seconds!: number;
  @Prop({ type: Number, default: 0 }) channels_joined!: number;
  @Prop({ type: Number, default: 0 }) messages_sent!: number;
  @Prop({ type: Number, default: 0 }) audio_packets_sent!: number;
  @Prop({ type: Number, default: 0 }) audio_bytes_sent!: number;
  @Prop({ type: Number, default: 0 }) calls_made!: number;

  @Prop({ type: Date, default: null })
  last_seen!: Date | null;
}

export const UserStatsSchema = SchemaFactory.createForClass(UserStats);
