import { Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { Authenticator } from '../auth/authenticator';
import { Credential, credentialsFromHandshake, hasUserCredential } from '../auth/credentials';
import type { UserPrincipal } from '../auth/principal';
import { AppError } from '../errors/app-error';
import type { SocketData } from './socket.types';

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
      pending = this.authenticator.authenticate(credential).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}

function refusal(code: 'UNAUTHORIZED' | 'TOKEN_EXPIRED' | 'SERVICE_UNAVAILABLE', message = 'Unauthorized'): ExtendedError {
  const error: ExtendedError = new Error(message);
  error.data = { code };
  return error;
}
