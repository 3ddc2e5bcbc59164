/**
 * Admin operations fan out on the event bus so the admin module never reaches
 * into other modules. Each module that holds such state listens with
 * `@OnEvent(ADMIN_EVENTS.cleanup)` / `@OnEvent(ADMIN_EVENTS.reset)` and returns
 * the counts of what it removed; the admin service collects them with
 * `emitAsync` and merges them into its response.
 */
export const ADMIN_EVENTS = {
  /** Remove expired sessions and invitations, stale presence, empty ephemeral state. */
  cleanup: 'admin.cleanup',
  /** Reset runtime state (sockets, statistics, metrics history); never accounts or channels. */
  reset: 'admin.reset',
} as const;

/** What a listener returns: counts keyed by what was removed, e.g. `{ expired_sessions: 3 }`. */
export type AdminOperationCounts = Record<string, number>;
