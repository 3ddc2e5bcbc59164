import type { ErrorDetail } from './app-error';
import type { ErrorCode } from './error-codes';

/** The SPEC's error body, for every HTTP error: routes, health checks and refused `/ws` upgrades. */
export interface ErrorBody {
  success: false;
  statusCode: number;
  error_code: ErrorCode;
  message: string;
  /** The same text as `message`, for clients that read `error`. */
  error: string;
  /** Unix seconds. */
  timestamp: number;
  path: string;
  request_id?: string;
  details?: ErrorDetail[];
}

export interface ErrorBodyInput {
  status: number;
  code: ErrorCode;
  message: string;
  path: string;
  requestId?: string;
  details?: ErrorDetail[];
}

export function errorBody({ status, code, message, path, requestId, details }: ErrorBodyInput): ErrorBody {
  return {
    success: false,
    statusCode: status,
    error_code: code,
    message,
    error: message,
    timestamp: Math.floor(Date.now() / 1000),
    path,
    ...(requestId !== undefined ? { request_id: requestId } : {}),
    ...(details ? { details } : {}),
  };
}
