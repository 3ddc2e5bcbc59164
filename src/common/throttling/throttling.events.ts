/** Published when the throttler refuses a request (metrics counts them per route). */
export const THROTTLE_EVENTS = {
  refused: 'throttle.refused',
} as const;

export interface ThrottleRefusedEvent {
  /** The route pattern (`/users/:id`), not the raw URL, so metric labels stay bounded. */
  path: string;
}
