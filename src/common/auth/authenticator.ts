import type { Credential } from './credentials';
import type { UserPrincipal } from './principal';

/** The claims of an access token whose signature and expiry were already checked. */
export interface AccessClaims {
  sub: string;
  sid: string;
}

/**
 * The port through which HTTP guards, the Socket.IO handshake and the `/ws`
 * upgrade turn a credential into a user: `common/` depends on this, the auth
 * module implements and binds it. Failures are AppError UNAUTHORIZED
 * (missing, malformed, unknown, revoked) or TOKEN_EXPIRED; anything else is a
 * dependency failure (the database), not a credential problem.
 */
export abstract class Authenticator {
  abstract authenticate(credential: Credential): Promise<UserPrincipal>;
  /** The principal of the session named by verified access-token claims. */
  abstract principalOf(claims: AccessClaims): Promise<UserPrincipal>;
}
