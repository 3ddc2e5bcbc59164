import { INestApplication, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { isObservable } from 'rxjs';
import type { ExtendedError, Namespace, Server, ServerOptions, Socket } from 'socket.io';
import { originAllowed } from '../../config/cors';
import { AppError } from '../errors/app-error';
import { ERROR_CATALOGUE } from '../errors/error-codes';
import { trustProxyOf } from '../net/client-ip';
import { RedisConnections } from '../redis/redis-connections';
import { backlogOf } from './engine-backlog';
import { limitEngineHandshakes } from './engine-handshake-limit';
import { batchWrites } from './engine-write-batching';
import { PacedDrops } from './paced-drops';
import { RealtimePublisher } from './realtime.publisher';
import { SocketAuthMiddleware, SocketMiddleware } from './socket-auth.middleware';
import { CongestionClock, ConnectionLimiter, EventClass, SocketLimits } from './socket-limits';
import { SocketMetrics } from './socket-metrics';
import { SocketIoTransport } from './socket-io.transport';
import { MAX_SOCKET_MESSAGE_BYTES, sessionRoom, SocketData, userRoom } from './socket.types';
import { replyError } from './ws-ack';

/** How long an engine.io connection may wait for its Socket.IO CONNECT (and authentication) before it is closed. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long a persistent offender has to complete its close before its connection is destroyed. */
const OFFENDER_CLOSE_MS = 1000;
/** How often connections are checked for a backlog that stayed over its cap. */
const CONGESTION_SWEEP_MS = 500;

/** Nest's platform package resolves its own copy of socket.io: its socket type, not ours. */
type NestSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

/**
 * Socket.IO as the service needs it: the CORS allow-list (also enforced on
 * websocket upgrades, which browsers do not subject to CORS), the 64 KB message
 * limit, handshake authentication on every namespace, and every socket in its
 * `user:<id>` and `session:<sid>` rooms before any gateway sees it, counted in
 * the socket metrics with every event a gateway handles. The server becomes a
 * transport of the RealtimePublisher.
 *
 * It also enforces the realtime limits (SocketLimits): new handshakes per
 * client IP, inbound events per connection and class (a refused event is
 * answered RATE_LIMITED; a persistent offender is disconnected), and the
 * outgoing backlog of every connection (one that stays over its cap is
 * dropped, so a client that stops reading cannot grow server memory).
 */
export class AppIoAdapter extends IoAdapter {
  private readonly logger = new Logger(AppIoAdapter.name);
  private metrics?: SocketMetrics;
  private sweep?: NodeJS.Timeout;
  private readonly clocks = new WeakMap<object, CongestionClock>();

  constructor(
    private readonly app: INestApplication,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = new Set(this.allowedOrigins);
    const limits = this.app.get(SocketLimits);
    const metrics = this.socketMetrics();
    const trust = trustProxyOf(this.app.getHttpAdapter().getInstance());
    const settings: Partial<ServerOptions> = {
      ...options,
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      connectTimeout: CONNECT_TIMEOUT_MS,
      cors: { origin: [...allowed], credentials: true },
      // engine.io asks only for new handshakes (a request without a session id).
      allowRequest: (request, callback) => {
        if (!originAllowed(request.headers.origin, request.headers.host, allowed)) return callback('Origin not allowed', false);
        callback(null, true);
      },
    };
    const server = super.createIOServer(port, settings) as Server;
    limitEngineHandshakes(server.engine, {
      limiter: limits.handshakes,
      pacer: limits.handshakeRefusals,
      trust,
      allowedOrigins: allowed,
      onRefused: () => metrics.handshakeRefused('socket.io'),
    });
    batchWrites(server);
    const redis = this.app.get(RedisConnections);
    if (redis.enabled) server.adapter(redisAdapter(redis));

    const { use } = this.app.get(SocketAuthMiddleware);
    const coolingDown = refuseCoolingDownOffenders(limits, metrics);
    const prepare = (namespace: Namespace) => {
      namespace.use(use);
      namespace.use(coolingDown);
      const { name } = namespace;
      // One listener shared by every socket of the namespace (a socket says `disconnect` once): no closure per socket.
      const closed = () => metrics.socketClosed(name);
      // Registered before any gateway's connection handler (Nest binds those after creating the namespace).
      namespace.on('connection', (socket) => {
        const { principal } = socket.data as SocketData;
        // Synchronous with the in-memory and the classic Redis adapter: the rooms exist before any gateway runs.
        void socket.join([userRoom(principal.userId), sessionRoom(principal.sessionId)]);
        metrics.socketOpened(name);
        socket.on('disconnect', closed);
        backlogOf(socket);
        this.limitEvents(socket, limits, metrics);
      });
    };
    prepare(server.of('/'));
    server.on('new_namespace', prepare);

    const slowDrops = new PacedDrops<Socket>((socket) => {
      const backlog = backlogOf(socket);
      this.logger.warn({ user: (socket.data as SocketData).principal.userId, bytes: backlog.bytes() }, 'dropping a socket that does not read');
      metrics.socketDropped(socket.nsp.name, 'slow_consumer');
      backlog.drop();
    });
    this.sweep = setInterval(() => slowDrops.dropAll(this.slowConsumers(server, limits)), Math.min(CONGESTION_SWEEP_MS, limits.slowGraceMs));
    this.sweep.unref();
    this.app.get(RealtimePublisher).registerTransport(new SocketIoTransport(server), { clusterWide: redis.enabled });
    return server;
  }

  override async close(server: Parameters<IoAdapter['close']>[0]): Promise<void> {
    clearInterval(this.sweep);
    await super.close(server);
  }

  /** Every inbound event passes its connection's budget for its class first; the ack (or an `error` event) says RATE_LIMITED. */
  private limitEvents(socket: Socket, limits: SocketLimits, metrics: SocketMetrics): void {
    // Made at the first event: the many sockets that only listen hold no limiter.
    let limiter: ConnectionLimiter | undefined;
    const { name } = socket.nsp;
    socket.use((packet, next) => {
      const eventClass = limits.classOf(String(packet[0]));
      limiter ??= limits.forConnection();
      const admission = limiter.admit(eventClass, performance.now());
      if (admission === 'accept') return next();
      if (admission === 'pace') {
        backlogOf(socket).paceReading();
        return next();
      }
      if (admission === 'ignore') return;
      metrics.eventRefused(name, eventClass);
      // What else this client sent in the same read waits its turn behind the other connections.
      const backlog = backlogOf(socket);
      backlog.paceReading();
      if (admission === 'disconnect') {
        metrics.socketDropped(name, 'rate_limit');
        limits.offenders.punish((socket.data as SocketData).principal.sessionId, performance.now());
        // The client hears why (no automatic reconnect); what it still sends is ignored, and a client that does
        // not complete the close is cut off shortly after rather than after the websocket's 30 s close timeout.
        backlog.stopReading();
        socket.disconnect(true);
        setTimeout(() => backlog.drop(), OFFENDER_CLOSE_MS).unref();
        return;
      }
      const ack: unknown = packet[packet.length - 1];
      replyError(socket, typeof ack === 'function' ? ack : undefined, rateLimited(eventClass));
    });
  }

  /** Connections whose outgoing backlog stayed over its cap for the grace period (or passed the hard cap): to be closed. */
  private slowConsumers(server: Server, limits: SocketLimits): Socket[] {
    const now = performance.now();
    const seen = new Set<object>();
    const slow: Socket[] = [];
    for (const namespace of server._nsps.values()) {
      for (const socket of namespace.sockets.values()) {
        if (seen.has(socket.conn)) continue;
        seen.add(socket.conn);
        const backlog = backlogOf(socket);
        const bytes = backlog.bytes();
        let clock = this.clocks.get(socket.conn);
        // A clock only for a connection that went over its cap: the thousands that never do hold nothing.
        if (!clock) {
          if (bytes <= limits.outboundCapBytes) continue;
          clock = new CongestionClock(limits);
          this.clocks.set(socket.conn, clock);
        }
        if (clock.isSlow(bytes, now)) slow.push(socket);
      }
    }
    return slow;
  }

  private socketMetrics(): SocketMetrics {
    this.metrics ??= this.app.get(SocketMetrics);
    return this.metrics;
  }

  /**
   * Nest's version builds an rxjs pipeline per handler per socket and several
   * observables per message; on the relay hot path (signaling candidates,
   * audio) that cost memory per connection and time per event. Same contract:
   * the handler's result (value, promise or observable) is emitted when it has
   * an `event`, otherwise given to the client's ack unless the handler
   * acknowledges itself (`@Ack()`). Handler errors were already answered by
   * the gateway's exception filter.
   */
  override bindMessageHandlers(socket: NestSocket, handlers: MessageMappingProperties[]): void {
    const metrics = this.socketMetrics();
    const namespace = socket.nsp.name;
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message as string, (...args: unknown[]) => {
        metrics.socketEvent(namespace, message as string);
        const { data, ack } = this.mapPayload(args.length > 1 ? args : args[0]) as { data: unknown; ack?: unknown };
        const respond = (response: unknown) => {
          if (response === null || response === undefined) return;
          const emitted = response as { event?: string; data?: unknown };
          if (emitted.event) socket.emit(emitted.event, emitted.data);
          else if (!isAckHandledManually && typeof ack === 'function') (ack as (response: unknown) => void)(response);
        };
        Promise.resolve(callback(data, ack) as unknown).then(
          (result: unknown) => {
            if (isObservable(result)) result.subscribe(respond);
            else respond(result);
          },
          (error: unknown) => this.logger.error({ err: error, event: message as string }, 'socket event handler failed'),
        );
      });
    }
  }
}

/** One refusal per class, built once: an error captures a stack trace, which a flood would pay for every refused event. */
const RATE_LIMITED_ERRORS = new Map<EventClass, AppError>();

function rateLimited(eventClass: EventClass): AppError {
  let error = RATE_LIMITED_ERRORS.get(eventClass);
  if (!error) {
    error = new AppError('RATE_LIMITED', `Too many ${eventClass} events; slow down`);
    RATE_LIMITED_ERRORS.set(eventClass, error);
  }
  return error;
}

/**
 * The Redis adapter: rooms, broadcasts and disconnects of every namespace reach
 * the sockets of every instance. The classic adapter (one pattern subscription
 * per instance) rather than the sharded one: every push here goes to a user
 * room or to everyone, so each instance must hear nearly all of them anyway.
 * The adapter publishes without handling a failure; while Redis is away a
 * publish fails at once (no offline queue), and the failure is swallowed here:
 * local delivery already happened, and the process must not die of an
 * unhandled rejection. Its subscriptions are guarded the same way (see below).
 */
function redisAdapter(redis: RedisConnections): ReturnType<typeof createAdapter> {
  const publisher = redis.dedicated('socket.io-publish', { offlineQueue: false });
  const publish = (channel: string, message: string | Buffer): Promise<number> => Redis.prototype.publish.call(publisher, channel, message);
  publisher.publish = (channel: string, message: string | Buffer) => publish(channel, message).catch(() => 0);
  return createAdapter(publisher, resilientSubscriber(redis.dedicated('socket.io-subscribe')), { publishOnSpecificResponseChannel: true });
}

/**
 * The adapter subscribes in its constructor and unsubscribes on close without
 * handling a failure. A subscription that fails because Redis is not there yet
 * is made again once the connection is ready (ioredis itself only restores
 * subscriptions that succeeded), and a failed unsubscribe at shutdown is moot.
 */
function resilientSubscriber(connection: Redis): Redis {
  const subscribe = connection.subscribe.bind(connection) as (...channels: string[]) => Promise<unknown>;
  const psubscribe = connection.psubscribe.bind(connection) as (...patterns: string[]) => Promise<unknown>;
  const unsubscribe = connection.unsubscribe.bind(connection) as (...channels: string[]) => Promise<unknown>;
  const punsubscribe = connection.punsubscribe.bind(connection) as (...patterns: string[]) => Promise<unknown>;
  const untilSubscribed = (call: (...names: string[]) => Promise<unknown>, names: string[]): Promise<unknown> =>
    call(...names).catch(() => new Promise((resolve) => connection.once('ready', () => resolve(untilSubscribed(call, names)))));
  const flat = (names: unknown[]): string[] => names.flat().filter((name): name is string => typeof name === 'string');
  Object.assign(connection, {
    subscribe: (...names: unknown[]) => untilSubscribed(subscribe, flat(names)),
    psubscribe: (...names: unknown[]) => untilSubscribed(psubscribe, flat(names)),
    unsubscribe: (...names: unknown[]) => unsubscribe(...flat(names)).catch(() => 0),
    punsubscribe: (...names: unknown[]) => punsubscribe(...flat(names)).catch(() => 0),
  });
  return connection;
}

/**
 * After authentication: a session just disconnected as a persistent offender is refused
 * (`connect_error` with `data.code` RATE_LIMITED and `data.retryAfterMs`) until its cooldown ends.
 */
function refuseCoolingDownOffenders(limits: SocketLimits, metrics: SocketMetrics): SocketMiddleware {
  return (socket, next) => {
    const retryAfterMs = limits.offenders.retryAfterMs((socket.data as SocketData).principal.sessionId, performance.now());
    if (retryAfterMs === 0) return next();
    metrics.handshakeRefused('socket.io');
    const error: ExtendedError = new Error(ERROR_CATALOGUE.RATE_LIMITED.message);
    error.data = { code: 'RATE_LIMITED', retryAfterMs };
    next(error);
  };
}
