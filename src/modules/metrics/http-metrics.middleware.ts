import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsRecorder } from './metrics-recorder.service';

/** Label of a request that matched no route, so unknown URLs cannot create series. */
const UNMATCHED = 'unmatched';

/**
 * Counts every HTTP request by method, route pattern and status, with its
 * duration. A middleware rather than an interceptor: it also sees requests that
 * guards, the throttler, body parsing or routing refused.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly recorder: MetricsRecorder) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    // Nest mounts middleware as catch-all routes, so req.route here is this middleware's own; later
    // middleware on the same catch-all (the early-refusal one) replace it with an equal path.
    const ownPath = (req.route as { path?: unknown } | undefined)?.path;
    res.once('finish', () => {
      // A matched route replaces req.route; its path is the pattern (`/users/:id`), never the URL.
      const matched = (req.route as { path?: unknown } | undefined)?.path;
      const route = matched !== ownPath ? matched : undefined;
      this.recorder.httpRequest(req.method, typeof route === 'string' ? route : UNMATCHED, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}
