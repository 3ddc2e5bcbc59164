import { ERROR_CATALOGUE, ErrorCode } from './error-codes';

/** One failed field or rule of a validation error. */
export interface ErrorDetail {
  field: string;
  rule: string;
  message: string;
}

/**
 * What services throw: a catalogue code, optionally a more precise message. The
 * HTTP filter and the socket layer turn it into the SPEC's error shape.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CATALOGUE[code].message,
    readonly details?: ErrorDetail[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
    /** Extra fields of the HTTP error body a seed requires (e.g. `valid: false` of /auth/verify). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
  }
}

/** The error shape of socket events and acks: `{error_code, message}`. */
export interface WsErrorPayload {
  error_code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

export function toWsError(error: unknown): WsErrorPayload {
  if (error instanceof AppError) {
    return { error_code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  return { error_code: 'INTERNAL_ERROR', message: ERROR_CATALOGUE.INTERNAL_ERROR.message };
}
