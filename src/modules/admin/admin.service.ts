import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import type { Principal } from '../../common/auth/principal';

export interface AdminOperationResult {
  operation: 'cleanup' | 'reset';
  /** Counts summed over every module that answered, e.g. `{expired_sessions: 3, metrics_samples: 120}`. */
  counts: AdminOperationCounts;
  duration_ms: number;
}

/** Fans admin operations out on the bus (contract: ADMIN_EVENTS) and merges what each module reports. */
@Injectable()
export class AdminService {
  private readonly logger = new Logger(AdminService.name);

  constructor(private readonly events: EventEmitter2) {}

  cleanup(by: Principal | undefined): Promise<AdminOperationResult> {
    return this.run('cleanup', by);
  }

  reset(by: Principal | undefined): Promise<AdminOperationResult> {
    return this.run('reset', by);
  }

  private async run(operation: AdminOperationResult['operation'], by: Principal | undefined): Promise<AdminOperationResult> {
    const started = performance.now();
    const answers: unknown[] = await this.events.emitAsync(ADMIN_EVENTS[operation]);
    const counts: AdminOperationCounts = {};
    for (const answer of answers) {
      if (!answer || typeof answer !== 'object') continue;
      for (const [key, value] of Object.entries(answer as Record<string, unknown>)) {
        if (typeof value === 'number' && Number.isFinite(value)) counts[key] = (counts[key] ?? 0) + value;
      }
    }
    const result = { operation, counts, duration_ms: Math.round((performance.now() - started) * 10) / 10 };
    this.logger.log({ ...result, by: by?.kind === 'user' ? by.userId : by?.kind }, `admin ${operation}`);
    return result;
  }
}
