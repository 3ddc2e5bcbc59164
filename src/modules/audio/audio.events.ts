import type { AudioConfig } from './audio-config';

/** Audio events on the bus; the voice transports push them to their clients. */
export const AUDIO_EVENTS = {
  configChanged: 'audio.config_changed',
} as const;

export interface AudioConfigChangedEvent {
  config: AudioConfig;
}
