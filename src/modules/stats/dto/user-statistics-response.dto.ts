import type { UserStatisticsReport } from '../user-stats.service';

/** Lifetime counters, measured; `last_seen` and `current_channel` are null when unknown. */
export class UserStatisticsDto implements UserStatisticsReport {
  user_id!: string;
  total_connections!: number;
  total_session_seconds!: number;
  channels_joined!: number;
  messages_sent!: number;
  audio_packets_sent!: number;
  audio_bytes_sent!: number;
  calls_made!: number;
  /** ISO 8601 */
  last_seen!: string | null;
  current_channel!: string | null;
}
