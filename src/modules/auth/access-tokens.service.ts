import { createSecretKey, KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import type { Role } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { Env } from '../../config/env.validation';

export const ACCESS_TOKEN_ALGORITHM = 'HS256';
/** Verified tokens remembered; a client sends the same one with every request until it refreshes. */
const MAX_VERIFIED = 20_000;

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
  /**
   * Token → its claims, for tokens whose signature and algorithm were checked: the same string
   * verifies the same way until it expires, which is checked on every use. Saves the HMAC,
   * the decoding and jsonwebtoken's checks on every request but a client's first.
   */
  private readonly verified = new Map<string, AccessTokenClaims>();

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
  verify(token: string, now = Date.now()): AccessTokenClaims {
    const known = this.remembered(token, now);
    if (known) return known;
    if (this.verified.has(token)) {
      this.verified.delete(token);
      throw new AppError('TOKEN_EXPIRED');
    }
    const claims = this.verifyOnce(token);
    this.remember(token, claims);
    return claims;
  }

  /** The claims of a token verified before and not expired yet; undefined otherwise (then verify it). */
  remembered(token: string, now = Date.now()): AccessTokenClaims | undefined {
    const known = this.verified.get(token);
    // As jsonwebtoken decides it: expired from the second of `exp` on.
    return known && Math.floor(now / 1000) < known.exp ? known : undefined;
  }

  /** Records a token whose signature, algorithm and expiry were just checked (here or by passport-jwt). */
  remember(token: string, claims: Partial<AccessTokenClaims>): void {
    // Only what those checks cover entirely: an `exp`, no `nbf` (this service issues none), the claims a principal needs.
    if (typeof claims.exp !== 'number' || (claims as { nbf?: unknown }).nbf !== undefined) return;
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || this.verified.has(token)) return;
    if (this.verified.size >= MAX_VERIFIED) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, Object.freeze(claims as AccessTokenClaims));
  }

  private verifyOnce(token: string): AccessTokenClaims {
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
