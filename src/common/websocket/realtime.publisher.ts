import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ClusterBus } from '../redis/cluster-bus';

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
  /** The pushes its protocol carries, when not every one: the others need not reach it on any instance. */
  readonly events?: ReadonlySet<string>;
  toUser<E extends PushEvent>(userId: string, event: E, payload: PushEventMap[E]): void;
  toAll<E extends PushEvent>(event: E, payload: PushEventMap[E]): void;
  disconnectSession(sessionId: string): void;
  disconnectUser(userId: string): void;
}

/** A push or disconnect, as carried to the other instances for their local-only transports. */
type Operation =
  | { op: 'toUser'; userId: string; event: PushEvent; payload: unknown }
  | { op: 'toAll'; event: PushEvent; payload: unknown }
  | { op: 'disconnectSession'; sessionId: string }
  | { op: 'disconnectUser'; userId: string };

const BUS_TOPIC = 'realtime';

interface Registered {
  transport: RealtimeTransport;
  /** The transport reaches every instance by itself (Socket.IO through the Redis adapter). */
  clusterWide: boolean;
}

/**
 * The one way services push to clients: they never import a gateway. Fans every
 * call out to the registered transports; a failing transport is logged and does
 * not keep the others from delivering. With several instances, a transport that
 * only knows this process's connections (the plain `/ws` server) gets the call
 * on every instance through the cluster bus.
 */
@Injectable()
export class RealtimePublisher implements OnModuleInit {
  private readonly logger = new Logger(RealtimePublisher.name);
  private transports: readonly Registered[] = [];

  constructor(private readonly bus: ClusterBus) {}

  onModuleInit(): void {
    this.bus.subscribe(BUS_TOPIC, (message) => {
      if (isOperation(message)) this.apply(message, false);
    });
  }

  /** Adds a transport; the returned function removes it (on shutdown). */
  registerTransport(transport: RealtimeTransport, { clusterWide = false }: { clusterWide?: boolean } = {}): () => void {
    const registered = { transport, clusterWide };
    this.transports = [...this.transports, registered];
    return () => {
      this.transports = this.transports.filter((entry) => entry !== registered);
    };
  }

  /** Every connection of one user, on every transport. */
  toUser<E extends PushEvent>(userId: string, event: E, payload: PushEventMap[E]): void {
    this.dispatch({ op: 'toUser', userId, event, payload });
  }

  /** Every connection, on every transport. */
  toAll<E extends PushEvent>(event: E, payload: PushEventMap[E]): void {
    this.dispatch({ op: 'toAll', event, payload });
  }

  /** Closes every connection authenticated by this session (logout, revocation). */
  disconnectSession(sessionId: string): void {
    this.dispatch({ op: 'disconnectSession', sessionId });
  }

  /** Closes every connection of this user (account deleted or deactivated). */
  disconnectUser(userId: string): void {
    this.dispatch({ op: 'disconnectUser', userId });
  }

  private dispatch(operation: Operation): void {
    this.apply(operation, true);
    // Only for a local-only transport that would act on it: most pushes (signaling, presence) are Socket.IO's alone,
    // and the Redis adapter already carries those to the other instances.
    const event = 'event' in operation ? operation.event : undefined;
    const needed = this.transports.some(({ transport, clusterWide }) => !clusterWide && (event === undefined || transport.events?.has(event) !== false));
    if (needed) this.bus.publish(BUS_TOPIC, operation);
  }

  /** Runs the operation on this instance's transports: all of them when it started here, the local-only ones when it came from another instance. */
  private apply(operation: Operation, originatedHere: boolean): void {
    for (const { transport, clusterWide } of this.transports) {
      if (!originatedHere && clusterWide) continue;
      try {
        run(transport, operation);
      } catch (error) {
        this.logger.error({ err: error, transport: transport.name }, 'realtime push failed');
      }
    }
  }
}

function run(transport: RealtimeTransport, operation: Operation): void {
  switch (operation.op) {
    case 'toUser':
      return transport.toUser(operation.userId, operation.event, operation.payload as never);
    case 'toAll':
      return transport.toAll(operation.event, operation.payload as never);
    case 'disconnectSession':
      return transport.disconnectSession(operation.sessionId);
    case 'disconnectUser':
      return transport.disconnectUser(operation.userId);
  }
}

/** Bus messages come from our own instances, but a malformed one must not reach a transport. */
function isOperation(message: unknown): message is Operation {
  if (typeof message !== 'object' || message === null) return false;
  const { op } = message as { op?: unknown };
  const field = (name: string) => typeof (message as Record<string, unknown>)[name] === 'string';
  switch (op) {
    case 'toUser':
      return field('userId') && field('event');
    case 'toAll':
      return field('event');
    case 'disconnectSession':
      return field('sessionId');
    case 'disconnectUser':
      return field('userId');
    default:
      return false;
  }
}
