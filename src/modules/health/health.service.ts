import { Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, MongooseHealthIndicator } from '@nestjs/terminus';
import { ProcessHealthIndicators } from './health.indicators';

const CHECK_TIMEOUT_MS = 1500;
const MB = 1024 * 1024;

/** Terminus reports: readiness (what a load balancer needs) and the admin's full report. */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongoose: MongooseHealthIndicator,
    private readonly checks: ProcessHealthIndicators,
    private readonly indicator: HealthIndicatorService,
  ) {}

  private draining = false;

  /** From now on readiness fails, so load balancers stop sending new clients while the open ones finish. */
  beginDrain(): void {
    this.draining = true;
  }

  live() {
    return this.health.check([]);
  }

  ready() {
    return this.health.check(this.readinessChecks());
  }

  /** Readiness plus a process block for operators (reported, never failed on). */
  full() {
    return this.health.check([
      ...this.readinessChecks(),
      () => ({
        process: {
          status: 'up',
          pid: process.pid,
          node: process.version,
          uptime_seconds: Math.floor(process.uptime()),
          rss_mb: Math.round(process.memoryUsage().rss / MB),
        },
      }),
    ]);
  }

  private readinessChecks(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [
      () => this.checks.databaseUp('database', () => this.mongoose.pingCheck('database', { timeout: CHECK_TIMEOUT_MS })),
      () => this.checks.eventLoop('event_loop'),
      () => this.checks.heap('heap'),
    ];
    if (this.checks.redisConfigured) checks.push(() => this.checks.redisPing('redis', CHECK_TIMEOUT_MS));
    if (this.draining) checks.unshift(() => this.indicator.check('shutdown').down({ message: 'draining before shutdown' }));
    return checks;
  }
}
