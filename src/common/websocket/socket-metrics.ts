/**
 * Where the socket infrastructure reports connections and inbound events (the
 * metrics module binds it), so gateways and protocol handlers count nothing
 * by hand. Every call is on a hot path: it must be synchronous and cheap.
 */
export abstract class SocketMetrics {
  abstract socketOpened(namespace: string): void;
  abstract socketClosed(namespace: string): void;
  abstract socketEvent(namespace: string, event: string): void;
}
