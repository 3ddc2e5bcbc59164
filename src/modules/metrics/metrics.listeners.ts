import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { AlertsService } from './alerts.service';
import { MetricsCollector } from './metrics-collector.service';
import { MetricsRecorder } from './metrics-recorder.service';

/** Auth outcomes published on the bus by the auth module (cross-team contract 1). */
const AUTH_OUTCOME_EVENTS = {
  loginSucceeded: 'auth.login_succeeded',
  loginFailed: 'auth.login_failed',
  throttleRefused: 'throttle.refused',
} as const;

/** Turns bus events into Prometheus counters, and answers the admin reset for the metrics state. */
@Injectable()
export class MetricsListeners {
  constructor(
    private readonly recorder: MetricsRecorder,
    private readonly collector: MetricsCollector,
    private readonly alerts: AlertsService,
  ) {}

  @OnEvent(AUTH_OUTCOME_EVENTS.loginSucceeded)
  onLoginSucceeded(): void {
    this.recorder.loginSucceeded();
  }

  @OnEvent(AUTH_OUTCOME_EVENTS.loginFailed)
  onLoginFailed(event: { reason: 'bad_credentials' | 'locked' | 'inactive' }): void {
    this.recorder.loginFailed(event.reason);
  }

  @OnEvent(AUTH_OUTCOME_EVENTS.throttleRefused)
  onThrottleRefused(event: { path: string }): void {
    this.recorder.throttleRefused(event.path);
  }

  /** Prometheus counters stay monotonic (scrapers handle restarts, not rewinds); history and alerts go. */
  @OnEvent(ADMIN_EVENTS.reset)
  onReset(): AdminOperationCounts {
    return { metrics_samples: this.collector.clearHistory(), alerts: this.alerts.clear() };
  }
}
