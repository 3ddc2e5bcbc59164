/** The audio parameters clients use: the five that voice clients have always read, plus codec, frame duration and packet size limit. */
export interface AudioConfig {
  sample_rate: number;
  channels: number;
  bit_depth: number;
  buffer_size: number;
  latency_target_ms: number;
  codec: AudioCodec;
  frame_duration_ms: number;
  max_packet_bytes: number;
}

export const AUDIO_CODECS = ['opus', 'pcm'] as const;
export type AudioCodec = (typeof AUDIO_CODECS)[number];

/** Opus's sample rates (the PCM ones clients commonly use besides 44.1 kHz). */
export const SAMPLE_RATES = [8000, 12000, 16000, 24000, 44100, 48000] as const;
export const BIT_DEPTHS = [8, 16, 24, 32] as const;
/** Opus frame sizes. */
export const FRAME_DURATIONS_MS = [2.5, 5, 10, 20, 40, 60] as const;
export const BUFFER_SIZE_RANGE = { min: 64, max: 16384 } as const;
export const LATENCY_TARGET_RANGE = { min: 10, max: 1000 } as const;
/** A packet must fit in one 64 KB socket message with its envelope. */
export const MAX_PACKET_BYTES_RANGE = { min: 64, max: 60 * 1024 } as const;

/** The defaults voice clients expect (48000, 2, 16, 1024, 50); 20 ms Opus frames; 16 KB holds a 60 ms stereo 48 kHz PCM frame. */
export const DEFAULT_AUDIO_CONFIG: Readonly<AudioConfig> = Object.freeze({
  sample_rate: 48000,
  channels: 2,
  bit_depth: 16,
  buffer_size: 1024,
  latency_target_ms: 50,
  codec: 'opus',
  frame_duration_ms: 20,
  max_packet_bytes: 16384,
});

export const AUDIO_CONFIG_KEYS = Object.keys(DEFAULT_AUDIO_CONFIG) as (keyof AudioConfig)[];
