import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AppError } from '../errors/app-error';

const REFUSAL = Symbol('early-refusal');

type WithRefusal = Request & { [REFUSAL]?: AppError };

/**
 * Express middleware that run before the application's own (body parsing, CORS)
 * record why they refuse a request instead of answering it, so the refusal
 * leaves through the same path as any other error: request id, access log,
 * HTTP metrics and the error body.
 */
export function deferRefusal(request: Request, error: AppError): void {
  const pending = request as WithRefusal;
  // The first reason stands: an origin refused by CORS is not then blamed on its body.
  pending[REFUSAL] ??= error;
}

/** Applied after the logger and metrics middleware: throws the recorded refusal, if any, into the exception filter. */
@Injectable()
export class EarlyRefusalMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    const refusal = (request as WithRefusal)[REFUSAL];
    if (refusal) throw refusal;
    next();
  }
}
