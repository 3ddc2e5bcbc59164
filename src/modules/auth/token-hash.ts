import { createHash } from 'node:crypto';

/** Tokens are stored and looked up by this hash only; a database leak yields no usable token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
