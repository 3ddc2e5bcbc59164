import { INestApplication, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { isObservable } from 'rxjs';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import { RedisConnections } from '../redis/redis-connections';
import { RealtimePublisher } from './realtime.publisher';
import { SocketAuthMiddleware } from './socket-auth.middleware';
import { SocketMetrics } from './socket-metrics';
import { SocketIoTransport } from './socket-io.transport';
import { MAX_SOCKET_MESSAGE_BYTES, sessionRoom, SocketData, userRoom } from './socket.types';

/** Nest's platform package resolves its own copy of socket.io: its socket type, not ours. */
type NestSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

/**
 * Socket.IO as the service needs it: the CORS allow-list (also enforced on
 * websocket upgrades, which browsers do not subject to CORS), the 64 KB message
 * limit, handshake authentication on every namespace, and every socket in its
 * `user:<id>` and `session:<sid>` rooms before any gateway sees it, counted in
 * the socket metrics with every event a gateway handles. The server becomes a
 * transport of the RealtimePublisher.
 */
export class AppIoAdapter extends IoAdapter {
  private readonly logger = new Logger(AppIoAdapter.name);
  private metrics?: SocketMetrics;

  constructor(
    private readonly app: INestApplication,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = new Set(this.allowedOrigins);
    const settings: Partial<ServerOptions> = {
      ...options,
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      cors: { origin: [...allowed], credentials: true },
      allowRequest: (request, callback) => {
        const origin = request.headers.origin;
        callback(null, !origin || allowed.has(origin));
      },
    };
    const server = super.createIOServer(port, settings) as Server;
    const redis = this.app.get(RedisConnections);
    if (redis.enabled) server.adapter(redisAdapter(redis));

    const { use } = this.app.get(SocketAuthMiddleware);
    const metrics = this.socketMetrics();
    const prepare = (namespace: Namespace) => {
      namespace.use(use);
      const { name } = namespace;
      // Registered before any gateway's connection handler (Nest binds those after creating the namespace).
      namespace.on('connection', (socket) => {
        const { principal } = socket.data as SocketData;
        // Synchronous with the in-memory and the classic Redis adapter: the rooms exist before any gateway runs.
        void socket.join([userRoom(principal.userId), sessionRoom(principal.sessionId)]);
        metrics.socketOpened(name);
        socket.once('disconnect', () => metrics.socketClosed(name));
      });
    };
    prepare(server.of('/'));
    server.on('new_namespace', prepare);

    this.app.get(RealtimePublisher).registerTransport(new SocketIoTransport(server), { clusterWide: redis.enabled });
    return server;
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

/**
 * The Redis adapter: rooms, broadcasts and disconnects of every namespace reach
 * the sockets of every instance. The classic adapter (one pattern subscription
 * per instance) rather than the sharded one: every push here goes to a user
 * room or to everyone, so each instance must hear nearly all of them anyway.
 * The adapter publishes without handling a failure; while Redis is away a
 * publish fails at once (no offline queue), and the failure is swallowed here:
 * local delivery already happened, and the process must not die of an
 * unhandled rejection.
 */
function redisAdapter(redis: RedisConnections): ReturnType<typeof createAdapter> {
  const publisher = redis.dedicated('socket.io-publish', { offlineQueue: false });
  const publish = (channel: string, message: string | Buffer): Promise<number> => Redis.prototype.publish.call(publisher, channel, message);
  publisher.publish = (channel: string, message: string | Buffer) => publish(channel, message).catch(() => 0);
  return createAdapter(publisher, redis.dedicated('socket.io-subscribe'), { publishOnSpecificResponseChannel: true });
}
