import { AlertsService } from './alerts.service';
import type { HealthThresholds } from './health-score';
import { componentScores, headroom, overallScore } from './health-score';
import type { MetricsSample } from './metrics.sample';

const thresholds: HealthThresholds = { cpuPercent: 90, eventLoopDelayMs: 100, memoryRssMb: 1000, packetLossRate: 0.05, latencyTargetMs: 50 };

function sample(overrides: Partial<MetricsSample> = {}): MetricsSample {
  return {
    timestamp: Date.UTC(2026, 0, 1),
    uptime_seconds: 10,
    cpu_usage_percent: 10,
    memory_rss_mb: 100,
    heap_used_mb: 50,
    heap_total_mb: 80,
    event_loop_utilization: 0.1,
    event_loop_delay_mean_ms: 10,
    event_loop_delay_p99_ms: 20,
    event_loop_delay_max_ms: 30,
    connection_count: 0,
    connected_users: 0,
    socket_events_per_second: 0,
    http_requests_per_second: 0,
    http_error_rate: null,
    packets_received_per_second: 0,
    packets_sent_per_second: 0,
    bytes_received_per_second: 0,
    bytes_sent_per_second: 0,
    active_channels: 0,
    active_users: 0,
    active_streams: 0,
    average_latency_ms: null,
    packet_loss_rate: null,
    jitter_ms: null,
    audio_quality_score: null,
    database_up: true,
    overall_health_score: 1,
    ...overrides,
  };
}

describe('AlertsService', () => {
  it('raises once, escalates, and resolves when the condition stops holding', () => {
    const alerts = new AlertsService();
    alerts.evaluate(sample({ event_loop_delay_p99_ms: 150 }), thresholds);
    const [raised] = alerts.list({ limit: 10 });
    expect(raised).toMatchObject({ rule: 'event_loop_delay', severity: 'warning', value: 150, threshold: 100, active: true, resolved_at: null });

    alerts.evaluate(sample({ timestamp: Date.UTC(2026, 0, 1, 0, 0, 5), event_loop_delay_p99_ms: 250 }), thresholds);
    expect(alerts.list({ limit: 10 })).toEqual([expect.objectContaining({ id: raised.id, severity: 'error', value: 250, raised_at: raised.raised_at })]);

    alerts.evaluate(sample({ timestamp: Date.UTC(2026, 0, 2), event_loop_delay_p99_ms: 120 }), thresholds);
    expect(alerts.list({ limit: 10 })[0]).toMatchObject({ severity: 'error', value: 120 });

    alerts.evaluate(sample({ timestamp: Date.UTC(2026, 0, 3) }), thresholds);
    expect(alerts.activeCount()).toBe(0);
    expect(alerts.list({ limit: 10 })).toEqual([expect.objectContaining({ id: raised.id, active: false, resolved_at: '2026-01-03T00:00:00.000Z' })]);
  });

  it('reports the database critical, filters by severity, component and state, and clears', () => {
    const alerts = new AlertsService();
    alerts.evaluate(sample({ database_up: false, packet_loss_rate: 0.06, average_latency_ms: 40 }), thresholds);
    expect(
      alerts
        .list({ limit: 10 })
        .map((a) => a.rule)
        .sort(),
    ).toEqual(['database_unreachable', 'packet_loss']);
    expect(alerts.list({ limit: 10, severity: 'critical' }).map((a) => a.rule)).toEqual(['database_unreachable']);
    expect(alerts.list({ limit: 10, component: 'audio' }).map((a) => a.rule)).toEqual(['packet_loss']);
    expect(alerts.list({ limit: 10, active: false })).toEqual([]);
    expect(alerts.list({ limit: 1 })).toHaveLength(1);
    expect(alerts.clear()).toBe(2);
    expect(alerts.list({ limit: 10 })).toEqual([]);
  });
});

describe('health score', () => {
  it('headroom is 1 to T/2, 0.5 at T, 0 from 1.5T, null without data', () => {
    expect(headroom(40, 100)).toBe(1);
    expect(headroom(100, 100)).toBe(0.5);
    expect(headroom(150, 100)).toBe(0);
    expect(headroom(null, 100)).toBeNull();
    expect(headroom(10, null)).toBeNull();
  });

  it('the weakest component decides; audio without data does not count', () => {
    const healthy = componentScores(sample(), thresholds);
    expect(healthy).toEqual({ performance: 1, memory: 1, audio: null, network: null, database: 1 });
    expect(overallScore(healthy)).toBe(1);
    const scores = componentScores(sample({ cpu_usage_percent: 90, average_latency_ms: 50, audio_quality_score: 0.7 }), thresholds);
    expect(scores).toEqual({ performance: 0.5, memory: 1, audio: 0.5, network: 0.5, database: 1 });
    expect(overallScore(componentScores(sample({ database_up: false }), thresholds))).toBe(0);
  });

  it('scores the network by the share of 5xx answers and the socket latency', () => {
    expect(componentScores(sample({ http_error_rate: 0 }), thresholds).network).toBe(1);
    expect(componentScores(sample({ http_error_rate: 0.05 }), thresholds).network).toBe(0.5);
    expect(componentScores(sample({ http_error_rate: 0.01, average_latency_ms: 60 }), thresholds).network).toBeCloseTo(0.3);
    expect(overallScore(componentScores(sample({ http_error_rate: 0.2 }), thresholds))).toBe(0);
  });
});
