import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { AudioConfig } from './audio-config';
import { Setting } from './schemas/settings.schema';

const AUDIO_CONFIG_ID = 'audio_config';

/** The only code that touches the settings collection. */
@Injectable()
export class AudioConfigRepository {
  constructor(@InjectModel(Setting.name) private readonly settings: Model<Setting>) {}

  /** The stored overrides (possibly partial, from an older version), or null. */
  async load(): Promise<Partial<AudioConfig> | null> {
    const stored = await this.settings.findById(AUDIO_CONFIG_ID).lean<Setting>().exec();
    return stored ? stored.value : null;
  }

  /**
   * Sets the given fields in one atomic update, starting from `defaults` when
   * nothing is stored: parallel partial updates of different fields all land.
   */
  async update(changes: Partial<AudioConfig>, defaults: Readonly<AudioConfig>): Promise<Partial<AudioConfig>> {
    const set = Object.fromEntries(Object.entries(changes).map(([key, value]) => [`value.${key}`, value]));
    const onInsert = Object.fromEntries(
      Object.entries(defaults)
        .filter(([key]) => !(key in changes))
        .map(([key, value]) => [`value.${key}`, value]),
    );
    const updated = await this.settings
      .findOneAndUpdate({ _id: AUDIO_CONFIG_ID }, { $set: set, $setOnInsert: onInsert }, { upsert: true, new: true })
      .lean<Setting>()
      .exec();
    return updated.value;
  }

  async replace(config: Readonly<AudioConfig>): Promise<void> {
    await this.settings.updateOne({ _id: AUDIO_CONFIG_ID }, { $set: { value: { ...config } } }, { upsert: true }).exec();
  }
}
