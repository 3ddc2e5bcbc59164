import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { Request, Response } from 'express';
import { errorBody } from '../../common/errors/error-body';

/**
 * Terminus signals a failed check by throwing a 503 carrying its report; the
 * global error filter would replace that report with a generic error. Here the
 * 503 keeps the full report (what load balancers and operators read) and adds
 * the SPEC's error fields next to it.
 */
export async function healthResponse(check: Promise<HealthCheckResult>, res: Response) {
  try {
    return await check;
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;
    res.status(503);
    const request = res.req as Request & { id?: string };
    return {
      ...errorBody({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
        message: 'Service unavailable',
        path: request.originalUrl ?? request.url,
        requestId: request.id,
      }),
      ...(error.getResponse() as HealthCheckResult),
    };
  }
}
