import type { MetricsSample } from './metrics.sample';

export interface HealthThresholds {
  cpuPercent: number;
  eventLoopDelayMs: number;
  memoryRssMb: number;
  packetLossRate: number;
  /** The audio config's latency target; null when the voice module has not registered it. */
  latencyTargetMs: number | null;
}

export type HealthComponent = 'performance' | 'memory' | 'audio' | 'network' | 'database';

/** Share of HTTP answers that may be server errors before the network score drops to 0.5. */
export const HTTP_ERROR_RATE_THRESHOLD = 0.05;
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';
export type ComponentScores = Record<HealthComponent, number | null>;

/**
 * Headroom score of a figure against its alert threshold T: 1 up to T/2, 0.5 at T,
 * 0 from 1.5·T, linear in between (`clamp(1.5 − v/T, 0, 1)`). A figure with no
 * data scores null and does not count.
 */
export function headroom(value: number | null, threshold: number | null): number | null {
  if (value === null || threshold === null || threshold <= 0) return null;
  return Math.min(1, Math.max(0, 1.5 - value / threshold));
}

function minOf(values: (number | null)[]): number | null {
  let min: number | null = null;
  for (const value of values) if (value !== null && (min === null || value < min)) min = value;
  return min;
}

/**
 * Score per component, 0..1 (see docs/metrics.md):
 * - performance: min(headroom(CPU %), headroom(p99 event-loop delay));
 * - memory: headroom(RSS);
 * - audio: min(headroom(latency vs latency_target_ms), headroom(loss), audio_quality_score), null with no audio data;
 * - network: min(headroom(share of 5xx HTTP answers vs 5 %), headroom(socket round-trip latency vs latency_target_ms)),
 *   null with neither requests nor measured sockets;
 * - database: 1 reachable, 0 not.
 */
export function componentScores(sample: Omit<MetricsSample, 'overall_health_score'>, t: HealthThresholds): ComponentScores {
  return {
    performance: minOf([headroom(sample.cpu_usage_percent, t.cpuPercent), headroom(sample.event_loop_delay_p99_ms, t.eventLoopDelayMs)]),
    memory: headroom(sample.memory_rss_mb, t.memoryRssMb),
    audio: minOf([headroom(sample.average_latency_ms, t.latencyTargetMs), headroom(sample.packet_loss_rate, t.packetLossRate), sample.audio_quality_score]),
    network: minOf([headroom(sample.http_error_rate, HTTP_ERROR_RATE_THRESHOLD), headroom(sample.average_latency_ms, t.latencyTargetMs)]),
    database: sample.database_up ? 1 : 0,
  };
}

/** The weakest component decides: a service with its database down is not 75 % healthy. */
export function overallScore(scores: ComponentScores): number {
  return minOf(Object.values(scores)) ?? 1;
}

export function healthStatus(score: number): HealthStatus {
  if (score >= 0.8) return 'healthy';
  if (score >= 0.5) return 'degraded';
  return 'unhealthy';
}
