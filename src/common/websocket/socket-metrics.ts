import type { EventClass } from './socket-limits';

/** Why the server closed a connection on its own. */
export type SocketDropReason = 'rate_limit' | 'slow_consumer';

/**
 * Where the socket infrastructure reports connections and inbound events (the
 * metrics module binds it), so gateways and protocol handlers count nothing
 * by hand. Every call is on a hot path: it must be synchronous and cheap.
 */
export abstract class SocketMetrics {
  abstract socketOpened(namespace: string): void;
  abstract socketClosed(namespace: string): void;
  abstract socketEvent(namespace: string, event: string): void;
  /** An inbound event refused by its connection's rate limit. */
  abstract eventRefused(namespace: string, eventClass: EventClass): void;
  /** A connection closed by the server: too many refused events, or a buffer that stayed over its cap. */
  abstract socketDropped(namespace: string, reason: SocketDropReason): void;
  /** A new handshake (engine.io or /ws upgrade) refused by the per-IP limit. */
  abstract handshakeRefused(endpoint: string): void;
  /** An outgoing message not sent because the recipient's buffer was over its cap. */
  abstract outboundDropped(namespace: string): void;
}
