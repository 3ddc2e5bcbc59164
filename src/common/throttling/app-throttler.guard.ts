import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { AppError } from '../errors/app-error';
import { THROTTLE_EVENTS, ThrottleRefusedEvent } from './throttling.events';

/**
 * The throttler guard, answering a refusal in the SPEC's error shape (429
 * RATE_LIMITED with Retry-After) and telling the bus about it.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly events: EventEmitter2,
  ) {
    super(options, storage, reflector);
  }

  /** HTTP only: socket events are bounded by their gateways (payload limits, per-socket rules). */
  override canActivate(context: ExecutionContext): Promise<boolean> {
    return context.getType() === 'http' ? super.canActivate(context) : Promise.resolve(true);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const request = context.switchToHttp().getRequest<Request>();
    const path = (request.route as { path?: string } | undefined)?.path ?? request.path;
    this.events.emit(THROTTLE_EVENTS.refused, { path } satisfies ThrottleRefusedEvent);
    throw new AppError('RATE_LIMITED', 'Too many requests; try again later', undefined, {
      'Retry-After': String(Math.max(1, detail.timeToBlockExpire)),
    });
  }
}
