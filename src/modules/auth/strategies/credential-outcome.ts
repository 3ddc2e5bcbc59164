import { AppError } from '../../../common/errors/app-error';
import type { Principal } from '../../../common/auth/principal';

/**
 * What a strategy answers passport: the principal; or `[false, reason]` when
 * the credential was refused (reason: the AppError the guard reports), so the
 * next strategy may still try; a dependency failure (the database) is thrown
 * and ends the request.
 */
export type StrategyOutcome = Principal | [false, AppError | undefined];

export async function outcomeOf(authenticate: () => Promise<Principal>): Promise<StrategyOutcome> {
  try {
    return await authenticate();
  } catch (error) {
    if (error instanceof AppError && error.status === 401) return [false, error];
    throw error;
  }
}
