import { Injectable, Logger } from '@nestjs/common';

/**
 * Server→client events pushed through the publisher, by name. Feature modules
 * add theirs by declaration merging (`declare module '…/realtime.publisher'`),
 * so a wrong event name or payload is a compile error.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PushEventMap {}

export type PushEvent = Extract<keyof PushEventMap, string>;

/**
 * One way of reaching connected clients (Socket.IO namespace `/`, the plain
 * `/ws` server). A transport receives every push and forwards the events its
 * protocol carries; with a cluster adapter it reaches every instance.
 */
export interface RealtimeTransport {
  readonly name: string;
  toUser<E extends PushEvent>(userId: string, event: E, payload: PushEventMap[E]): void;
  toAll<E extends PushEvent>(event: E, payload: PushEventMap[E]): void;
  disconnectSession(sessionId: string): void;
  disconnectUser(userId: string): void;
}

/**
 * The one way services push to clients: they never import a gateway. Fans every
 * call out to the registered transports; a failing transport is logged and does
 * not keep the others from delivering.
 */
@Injectable()
export class RealtimePublisher {
  private readonly logger = new Logger(RealtimePublisher.name);
  private transports: readonly RealtimeTransport[] = [];

  /** Adds a transport; the returned function removes it (on shutdown). */
  registerTransport(transport: RealtimeTransport): () => void {
    this.transports = [...this.transports, transport];
    return () => {
      this.transports = this.transports.filter((registered) => registered !== transport);
    };
  }

  /** Every connection of one user, on every transport. */
  toUser<E extends PushEvent>(userId: string, event: E, payload: PushEventMap[E]): void {
    for (const transport of this.transports) {
      this.safely(transport, () => transport.toUser(userId, event, payload));
    }
  }

  /** Every connection, on every transport. */
  toAll<E extends PushEvent>(event: E, payload: PushEventMap[E]): void {
    for (const transport of this.transports) {
      this.safely(transport, () => transport.toAll(event, payload));
    }
  }

  /** Closes every connection authenticated by this session (logout, revocation). */
  disconnectSession(sessionId: string): void {
    for (const transport of this.transports) {
      this.safely(transport, () => transport.disconnectSession(sessionId));
    }
  }

  /** Closes every connection of this user (account deleted or deactivated). */
  disconnectUser(userId: string): void {
    for (const transport of this.transports) {
      this.safely(transport, () => transport.disconnectUser(userId));
    }
  }

  private safely(transport: RealtimeTransport, push: () => void): void {
    try {
      push();
    } catch (error) {
      this.logger.error({ err: error, transport: transport.name }, 'realtime push failed');
    }
  }
}
