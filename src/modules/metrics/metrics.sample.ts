/**
 * One collector sample, flat (a day of 5 s samples is 17,280 of these, so no
 * nesting); the controllers render it into the seed's nested shapes. Figures
 * with no data are null; every number is rounded once, here.
 */
export interface MetricsSample {
  /** Epoch milliseconds. */
  timestamp: number;
  uptime_seconds: number;
  /** Process CPU time over the interval, percent of one core (may exceed 100 on several cores). */
  cpu_usage_percent: number;
  memory_rss_mb: number;
  heap_used_mb: number;
  heap_total_mb: number;
  /** Share of the interval the event loop was busy, 0..1. */
  event_loop_utilization: number;
  event_loop_delay_mean_ms: number | null;
  event_loop_delay_p99_ms: number | null;
  event_loop_delay_max_ms: number | null;
  connection_count: number;
  connected_users: number;
  socket_events_per_second: number;
  http_requests_per_second: number;
  /** Share of the interval's HTTP answers that were 5xx, 0..1; null without requests. */
  http_error_rate: number | null;
  packets_received_per_second: number;
  packets_sent_per_second: number;
  bytes_received_per_second: number;
  bytes_sent_per_second: number;
  active_channels: number;
  active_users: number;
  active_streams: number;
  average_latency_ms: number | null;
  packet_loss_rate: number | null;
  jitter_ms: number | null;
  audio_quality_score: number | null;
  database_up: boolean;
  overall_health_score: number;
}

export const round = (value: number, digits = 2): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export const roundOrNull = (value: number | null, digits = 2): number | null => (value === null ? null : round(value, digits));
