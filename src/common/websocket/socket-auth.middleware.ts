import { Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { Authenticator } from '../auth/authenticator';
import { Credential, credentialsFromHandshake, hasUserCredential } from '../auth/credentials';
import type { UserPrincipal } from '../auth/principal';
import { AppError } from '../errors/app-error';
import type { SocketData } from './socket.types';

/** Access tokens remembered as verified: enough for every live session of a large instance, bounded all the same. */
const VERIFIED_TOKENS_MAX = 10_000;

/** The claims of an access token this instance verified. */
interface VerifiedToken {
  sub: string;
  sid: string;
  /** JWT `exp`, Unix seconds. */
  exp: number;
}

export type SocketMiddleware = (socket: Socket, next: (error?: ExtendedError) => void) => void;

/**
 * Handshake authentication for every namespace, run before the connection
 * exists (Nest guards do not run on connection). Accepts `auth.token` (access
 * JWT), `auth.sessionToken` or the `INSAkari-Connect-Token` header (session
 * token), or an `Authorization: Bearer` header. A refusal is a `connect_error`
 * with message `Unauthorized` and `data.code` UNAUTHORIZED or TOKEN_EXPIRED.
 */
@Injectable()
export class SocketAuthMiddleware {
  private readonly logger = new Logger(SocketAuthMiddleware.name);
  /**
   * Handshakes in flight per credential: the sockets a client opens at once
   * with one token (tabs, reconnect storms) share one check instead of each
   * missing the session cache and queueing its own database round-trip.
   */
  private readonly inFlight = new Map<string, Promise<UserPrincipal>>();
  /**
   * Access tokens that already passed the signature check here, with their claims: a client's
   * further sockets on the same token (tabs, reconnects) skip the HMAC and the JSON parse, the
   * largest share of a handshake's CPU once the session is cached. The session itself is still
   * checked on every handshake (revocation, the user's state), and an expired token goes the full
   * way again (TOKEN_EXPIRED). Oldest first out when full.
   */
  private readonly verifiedTokens = new Map<string, VerifiedToken>();

  constructor(private readonly authenticator: Authenticator) {}

  readonly use: SocketMiddleware = (socket, next) => {
    const credential = credentialsFromHandshake(socket.handshake);
    if (!hasUserCredential(credential)) {
      next(refusal('UNAUTHORIZED'));
      return;
    }
    this.authenticate(credential).then(
      (principal) => {
        (socket.data as SocketData) = { principal, connectedAt: Date.now() };
        next();
      },
      (error: unknown) => {
        if (error instanceof AppError && (error.code === 'UNAUTHORIZED' || error.code === 'TOKEN_EXPIRED')) {
          next(refusal(error.code));
          return;
        }
        // The database or the cache failed: the client may retry; it is not a credential problem.
        this.logger.error({ err: error }, 'socket handshake authentication failed');
        next(refusal('SERVICE_UNAVAILABLE', 'Service unavailable'));
      },
    );
  };

  private authenticate(credential: Credential): Promise<UserPrincipal> {
    const key = credential.accessToken ? `a:${credential.accessToken}` : `s:${credential.sessionToken}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.check(credential).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async check(credential: Credential): Promise<UserPrincipal> {
    const token = credential.accessToken;
    if (!token) return this.authenticator.authenticate(credential);
    const known = this.verifiedTokens.get(token);
    // jsonwebtoken's rule: expired from the second `exp` on.
    if (known && Math.floor(Date.now() / 1000) < known.exp) return this.authenticator.principalOf(known);
    this.verifiedTokens.delete(token);
    const principal = await this.authenticator.authenticate(credential);
    this.remember(token);
    return principal;
  }

  /** Only after `authenticate` accepted this exact string: its payload is then the verified claims. */
  private remember(token: string): void {
    const claims = payloadOf(token);
    if (!claims) return;
    if (this.verifiedTokens.size >= VERIFIED_TOKENS_MAX) this.verifiedTokens.delete(this.verifiedTokens.keys().next().value!);
    this.verifiedTokens.set(token, claims);
  }
}

function payloadOf(token: string): VerifiedToken | undefined {
  try {
    const { sub, sid, exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Partial<VerifiedToken>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') return undefined;
    return { sub, sid, exp };
  } catch {
    return undefined;
  }
}

function refusal(code: 'UNAUTHORIZED' | 'TOKEN_EXPIRED' | 'SERVICE_UNAVAILABLE', message = 'Unauthorized'): ExtendedError {
  const error: ExtendedError = new Error(message);
  error.data = { code };
  return error;
}
