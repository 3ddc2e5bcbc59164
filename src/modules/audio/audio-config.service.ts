import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppError } from '../../common/errors/app-error';
import { ClusterBus } from '../../common/redis/cluster-bus';
import { MetricsSources } from '../metrics/metrics-sources.service';
import { AUDIO_CONFIG_KEYS, AudioConfig, DEFAULT_AUDIO_CONFIG } from './audio-config';
import { AudioConfigRepository } from './audio-config.repository';
import { AUDIO_EVENTS, AudioConfigChangedEvent } from './audio.events';
import type { UpdateAudioConfigDto } from './dto/update-audio-config.dto';

/** Told to the other instances when the config changed; they read it again from the database. */
const CONFIG_CHANGED_TOPIC = 'audio.config-changed';

/**
 * The audio config, persisted in `settings` and cached here: the relay checks
 * `max_packet_bytes` on every packet without a database read. A change on one
 * instance reaches the others' caches (and their clients) through the cluster bus.
 */
@Injectable()
export class AudioConfigService implements OnModuleInit {
  private current: AudioConfig = { ...DEFAULT_AUDIO_CONFIG };

  constructor(
    private readonly repository: AudioConfigRepository,
    private readonly events: EventEmitter2,
    private readonly metrics: MetricsSources,
    private readonly bus: ClusterBus,
  ) {}

  async onModuleInit(): Promise<void> {
    this.current = withDefaults(await this.repository.load());
    this.metrics.registerAudioLatencyTarget(() => this.current.latency_target_ms);
    // The message is only a nudge: the database says what the config is.
    this.bus.subscribe(CONFIG_CHANGED_TOPIC, () => void this.reload());
  }

  get(): AudioConfig {
    return this.current;
  }

  async update(dto: UpdateAudioConfigDto): Promise<AudioConfig> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined)) as Partial<AudioConfig>;
    if (Object.keys(changes).length === 0) {
      throw new AppError('INVALID_INPUT', `Give at least one of: ${AUDIO_CONFIG_KEYS.join(', ')}`);
    }
    return this.publish(withDefaults(await this.repository.update(changes, DEFAULT_AUDIO_CONFIG)));
  }

  async reset(): Promise<AudioConfig> {
    await this.repository.replace(DEFAULT_AUDIO_CONFIG);
    return this.publish({ ...DEFAULT_AUDIO_CONFIG });
  }

  private publish(config: AudioConfig): AudioConfig {
    this.changed(config);
    this.bus.publish(CONFIG_CHANGED_TOPIC, {});
    return config;
  }

  private async reload(): Promise<void> {
    try {
      this.changed(withDefaults(await this.repository.load()));
    } catch {
      // The database is away: the next change, or a restart, brings the config.
    }
  }

  /** This instance's cache and its voice clients. */
  private changed(config: AudioConfig): void {
    this.current = config;
    this.events.emit(AUDIO_EVENTS.configChanged, { config } satisfies AudioConfigChangedEvent);
  }
}

/** Only known keys, in a stable order; a key missing from an older stored document takes its default. */
function withDefaults(stored: Partial<AudioConfig> | null): AudioConfig {
  return Object.fromEntries(AUDIO_CONFIG_KEYS.map((key) => [key, stored?.[key] ?? DEFAULT_AUDIO_CONFIG[key]])) as unknown as AudioConfig;
}
