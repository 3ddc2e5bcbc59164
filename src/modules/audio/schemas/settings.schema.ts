import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/** Small documents of service-wide settings, one per `_id` (e.g. `audio_config`). */
@Schema({ collection: 'settings', versionKey: false, timestamps: { createdAt: false, updatedAt: 'updated_at' } })
export class Setting {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: MongooseSchema.Types.Mixed, required: true })
  value!: Record<string, unknown>;

  updated_at!: Date;
}

export const SettingSchema = SchemaFactory.createForClass(Setting);
