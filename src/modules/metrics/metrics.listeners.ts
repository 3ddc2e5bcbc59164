import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { THROTTLE_EVENTS, ThrottleRefusedEvent } from '../../common/throttling/throttling.events';
import { AUTH_EVENTS, LoginFailedEvent } from '../auth/auth.events';
import { AlertsService } from './alerts.service';
import { MetricsCollector } from './metrics-collector.service';
import { MetricsRecorder } from './metrics-recorder.service';

/** Turns bus events into Prometheus counters, and answers the admin reset for the metrics state. */
@Injectable()
export class MetricsListeners {
  constructor(
    private readonly recorder: MetricsRecorder,
    private readonly collector: MetricsCollector,
    private readonly alerts: AlertsService,
  ) {}

  @OnEvent(AUTH_EVENTS.loginSucceeded)
  onLoginSucceeded(): void {
    this.recorder.loginSucceeded();
  }

  @OnEvent(AUTH_EVENTS.loginFailed)
  onLoginFailed(event: LoginFailedEvent): void {
    this.recorder.loginFailed(event.reason);
  }

  @OnEvent(THROTTLE_EVENTS.refused)
  onThrottleRefused(event: ThrottleRefusedEvent): void {
    this.recorder.throttleRefused(event.path);
  }

  /** Prometheus counters stay monotonic (scrapers handle restarts, not rewinds); history and alerts go. */
  @OnEvent(ADMIN_EVENTS.reset)
  onReset(): AdminOperationCounts {
    return { metrics_samples: this.collector.clearHistory(), alerts: this.alerts.clear() };
  }
}
