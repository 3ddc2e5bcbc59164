import { AppError } from '../common/errors/app-error';
import type { EmbeddedDatabase } from './embedded-database';

/** Retry-After for a remote server that stopped answering: about one server-selection timeout. */
const REMOTE_RETRY_AFTER_S = 5;

/**
 * Whether the database can be used right now, and the error to answer while it cannot.
 * The embedded database is known down the moment its process dies; a remote server's
 * outage only shows as failing operations (mapped to the same error).
 */
export class DatabaseAvailability {
  constructor(private readonly embedded: EmbeddedDatabase | null) {}

  get available(): boolean {
    return this.embedded?.available ?? true;
  }

  get retryAfterSeconds(): number {
    return this.embedded?.retryAfterSeconds() ?? REMOTE_RETRY_AFTER_S;
  }

  unavailableError(): AppError {
    return new AppError('SERVICE_UNAVAILABLE', 'Database unavailable', undefined, { 'Retry-After': String(this.retryAfterSeconds) });
  }
}
