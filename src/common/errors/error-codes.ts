/**
 * The one error catalogue: every error the service reports over HTTP or a socket
 * carries one of these codes, with its HTTP status and a message safe to show.
 */
export const ERROR_CATALOGUE = {
  INVALID_INPUT: { status: 400, message: 'Invalid input' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized' },
  TOKEN_EXPIRED: { status: 401, message: 'Token expired' },
  PERMISSION_DENIED: { status: 403, message: 'Permission denied' },
  INVITATION_INVALID: { status: 403, message: 'Invalid invitation code' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  USER_NOT_FOUND: { status: 404, message: 'User not found' },
  CHANNEL_NOT_FOUND: { status: 404, message: 'Channel not found' },
  USER_NOT_CONNECTED: { status: 404, message: 'User not connected' },
  TIMEOUT: { status: 408, message: 'Request timed out' },
  USERNAME_TAKEN: { status: 409, message: 'Username not available' },
  EMAIL_TAKEN: { status: 409, message: 'Email not available' },
  CHANNEL_FULL: { status: 409, message: 'Channel is full' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Payload too large' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The code reported for an HTTP status that reached the filter without one. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'INVALID_INPUT';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 408:
      return 'TIMEOUT';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'RATE_LIMITED';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_INPUT';
  }
}
