import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { HealthComponent, HealthThresholds } from './health-score';
import type { MetricsSample } from './metrics.sample';

export const ALERT_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export type AlertRule = 'cpu_usage' | 'event_loop_delay' | 'memory_rss' | 'packet_loss' | 'audio_latency' | 'database_unreachable';

export interface Alert {
  id: string;
  rule: AlertRule;
  component: HealthComponent;
  severity: AlertSeverity;
  message: string;
  /** The figure at the last evaluation while active (at resolution for a resolved alert: the last one that held). */
  value: number;
  threshold: number;
  raised_at: string;
  resolved_at: string | null;
  active: boolean;
}

export interface AlertQuery {
  severity?: AlertSeverity;
  component?: HealthComponent;
  active?: boolean;
  limit: number;
}

interface RuleCheck {
  rule: AlertRule;
  component: HealthComponent;
  label: string;
  unit: string;
  value: number | null;
  threshold: number | null;
}

/** Resolved alerts kept for the /alerts history; active ones are at most one per rule. */
const RESOLVED_KEPT = 500;

const rank = (severity: AlertSeverity) => ALERT_SEVERITIES.indexOf(severity);

/**
 * Threshold alerts evaluated on every collector sample. A rule raises one alert
 * when its condition starts holding, updates it while it holds (severity only
 * escalates) and resolves it at the first sample where it no longer holds.
 */
@Injectable()
export class AlertsService {
  private readonly active = new Map<AlertRule, Alert>();
  private resolved: Alert[] = [];

  evaluate(sample: MetricsSample, t: HealthThresholds): void {
    const at = new Date(sample.timestamp).toISOString();
    const checks: RuleCheck[] = [
      { rule: 'cpu_usage', component: 'performance', label: 'CPU usage', unit: '%', value: sample.cpu_usage_percent, threshold: t.cpuPercent },
      {
        rule: 'event_loop_delay',
        component: 'performance',
        label: 'Event-loop delay p99',
        unit: ' ms',
        value: sample.event_loop_delay_p99_ms,
        threshold: t.eventLoopDelayMs,
      },
      { rule: 'memory_rss', component: 'memory', label: 'Resident memory', unit: ' MB', value: sample.memory_rss_mb, threshold: t.memoryRssMb },
      { rule: 'packet_loss', component: 'audio', label: 'Audio packet loss', unit: '', value: sample.packet_loss_rate, threshold: t.packetLossRate },
      { rule: 'audio_latency', component: 'audio', label: 'Audio latency', unit: ' ms', value: sample.average_latency_ms, threshold: t.latencyTargetMs },
    ];
    for (const check of checks) {
      const holds = check.value !== null && check.threshold !== null && check.value > check.threshold;
      if (holds) {
        const severity: AlertSeverity = check.value! >= 2 * check.threshold! ? 'error' : 'warning';
        this.hold(
          check.rule,
          check.component,
          severity,
          `${check.label} ${check.value}${check.unit} above ${check.threshold}${check.unit}`,
          check.value!,
          check.threshold!,
          at,
        );
      } else {
        this.resolve(check.rule, at);
      }
    }
    if (sample.database_up) this.resolve('database_unreachable', at);
    else this.hold('database_unreachable', 'database', 'critical', 'Database unreachable', 1, 0, at);
  }

  /** Active alerts first, then resolved ones, each newest first. */
  list(query: AlertQuery): Alert[] {
    const out: Alert[] = [];
    const accept = (alert: Alert) =>
      (query.severity === undefined || rank(alert.severity) >= rank(query.severity)) &&
      (query.component === undefined || alert.component === query.component) &&
      (query.active === undefined || alert.active === query.active);
    const active = [...this.active.values()].sort((a, b) => b.raised_at.localeCompare(a.raised_at));
    for (const alert of active) if (out.length < query.limit && accept(alert)) out.push({ ...alert });
    for (let i = this.resolved.length - 1; i >= 0 && out.length < query.limit; i--) {
      if (accept(this.resolved[i])) out.push({ ...this.resolved[i] });
    }
    return out;
  }

  activeCount(): number {
    return this.active.size;
  }

  /** Forgets every alert, active and resolved; returns how many there were. */
  clear(): number {
    const removed = this.active.size + this.resolved.length;
    this.active.clear();
    this.resolved = [];
    return removed;
  }

  private hold(rule: AlertRule, component: HealthComponent, severity: AlertSeverity, message: string, value: number, threshold: number, at: string): void {
    const current = this.active.get(rule);
    if (current) {
      current.value = value;
      current.message = message;
      if (rank(severity) > rank(current.severity)) current.severity = severity;
      return;
    }
    this.active.set(rule, { id: randomUUID(), rule, component, severity, message, value, threshold, raised_at: at, resolved_at: null, active: true });
  }

  private resolve(rule: AlertRule, at: string): void {
    const alert = this.active.get(rule);
    if (!alert) return;
    this.active.delete(rule);
    alert.active = false;
    alert.resolved_at = at;
    this.resolved.push(alert);
    if (this.resolved.length > RESOLVED_KEPT) this.resolved.splice(0, this.resolved.length - RESOLVED_KEPT);
  }
}
