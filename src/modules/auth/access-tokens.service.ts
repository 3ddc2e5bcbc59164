import { createSecretKey, KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import type { Role } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { Env } from '../../config/env.validation';

export const ACCESS_TOKEN_ALGORITHM = 'HS256';

/**
 * The key access tokens are signed and verified with. A KeyObject, not a
 * string: jsonwebtoken otherwise tries createPublicKey() on the secret and
 * catches the failure on every verify (~1 ms each under load).
 */
export function accessTokenKey(config: ConfigService<Env, true>): KeyObject {
  return createSecretKey(Buffer.from(config.get<string>('JWT_SECRET'), 'utf8'));
}

/** Claims of an access JWT (HS256). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  username: string;
  role: Role;
  iat: number;
  exp: number;
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Lifetime in seconds, as `expiresIn` in responses. */
  expiresIn: number;
}

@Injectable()
export class AccessTokens {
  readonly ttlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    config: ConfigService<Env, true>,
  ) {
    this.ttlSeconds = config.get('JWT_ACCESS_TTL_S', { infer: true });
  }

  /** `issuedAt` pins `iat` (and so `exp`): the same claims at the same second give the same token. */
  issue(claims: Pick<AccessTokenClaims, 'sub' | 'sid' | 'username' | 'role'>, issuedAt?: Date): IssuedAccessToken {
    const iat = issuedAt ? { iat: Math.floor(issuedAt.getTime() / 1000) } : {};
    return { accessToken: this.jwt.sign({ ...claims, ...iat }), expiresIn: this.ttlSeconds };
  }

  /** Signature, algorithm and expiry; anything wrong is UNAUTHORIZED, an expired token TOKEN_EXPIRED. */
  verify(token: string): AccessTokenClaims {
    let claims: AccessTokenClaims;
    try {
      claims = this.jwt.verify<AccessTokenClaims>(token);
    } catch (error) {
      throw new AppError((error as Error).name === 'TokenExpiredError' ? 'TOKEN_EXPIRED' : 'UNAUTHORIZED');
    }
    if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string') throw new AppError('UNAUTHORIZED');
    return claims;
  }
}
