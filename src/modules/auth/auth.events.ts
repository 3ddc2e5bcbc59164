/**
 * Auth events on the bus. Realtime disconnects the sockets of a revoked session;
 * metrics counts logins and refusals. Payloads never carry a token or a password.
 */
export const AUTH_EVENTS = {
  sessionRevoked: 'auth.session_revoked',
  loginSucceeded: 'auth.login_succeeded',
  loginFailed: 'auth.login_failed',
} as const;

/** Emitted once per revoked session (logout, account deleted or deactivated, refresh reuse). */
export interface SessionRevokedEvent {
  sessionId: string;
  userId: string;
}

export interface LoginSucceededEvent {
  userId: string;
}

export interface LoginFailedEvent {
  reason: 'bad_credentials' | 'locked' | 'inactive';
}

/** Why a session stopped working; stored on the session for the audit trail. */
export type RevocationReason = 'logout' | 'user_deleted' | 'user_deactivated' | 'refresh_reuse' | 'password_changed';
