import type { Request } from 'express';
import { Strategy } from 'passport';

type Verified = (error: unknown, principal?: unknown, info?: Error) => void;

/**
 * A passport strategy that hands the whole request to its verify callback
 * (what passport-custom does, in a few lines): the base of the strategies that
 * read a header themselves.
 */
export class RequestStrategy extends Strategy {
  constructor(private readonly verify: (request: Request, verified: Verified) => void) {
    super();
  }

  override authenticate(request: Request): void {
    this.verify(request, (error, principal, info) => {
      if (error) this.error(error);
      else if (!principal) this.fail(info, 401);
      else this.success(principal);
    });
  }
}
