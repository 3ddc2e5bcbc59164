import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, ErrorDetail } from './app-error';
import { errorBody } from './error-body';
import { codeForStatus, ERROR_CATALOGUE, ErrorCode } from './error-codes';

interface Normalized {
  status: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/** Errors raised by Express middleware (body-parser, cors) carry these fields. */
interface MiddlewareError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
}

/** Every HTTP error leaves in the SPEC's shape; a 500 never carries internals. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<Request & { id?: string }>();
    const response = host.switchToHttp().getResponse<Response>();
    const error = this.normalize(exception);

    if (error.status >= 500) {
      this.logger.error({ err: exception, path: request.path, request_id: request.id }, 'request failed');
    }
    if (response.headersSent) return;

    const body = {
      ...error.extra,
      ...errorBody({
        status: error.status,
        code: error.code,
        message: error.message,
        path: request.originalUrl ?? request.url,
        requestId: request.id,
        details: error.details,
      }),
    };
    for (const [name, value] of Object.entries(error.headers ?? {})) response.setHeader(name, value);
    response.status(error.status).json(body);
  }

  private normalize(exception: unknown): Normalized {
    if (exception instanceof AppError) {
      return {
        status: exception.status,
        code: exception.code,
        message: exception.message,
        details: exception.details,
        headers: exception.headers,
        extra: exception.extra,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = codeForStatus(status);
      return { status, code, message: status >= 500 ? ERROR_CATALOGUE[code].message : messageOf(exception) };
    }
    const middleware = exception as MiddlewareError | undefined;
    const status = middleware?.status ?? middleware?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (middleware?.type === 'entity.too.large') return catalogued('PAYLOAD_TOO_LARGE');
      const code = codeForStatus(status);
      const message = middleware?.type === 'entity.parse.failed' ? 'Malformed JSON body' : ERROR_CATALOGUE[code].message;
      return { status, code, message };
    }
    return catalogued('INTERNAL_ERROR');
  }
}

function catalogued(code: ErrorCode): Normalized {
  return { status: ERROR_CATALOGUE[code].status, code, message: ERROR_CATALOGUE[code].message };
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}
