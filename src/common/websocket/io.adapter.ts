import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import { RealtimePublisher } from './realtime.publisher';
import { SocketAuthMiddleware } from './socket-auth.middleware';
import { SocketIoTransport } from './socket-io.transport';
import { MAX_SOCKET_MESSAGE_BYTES, sessionRoom, SocketData, userRoom } from './socket.types';

/**
 * Socket.IO as the service needs it: the CORS allow-list (also enforced on
 * websocket upgrades, which browsers do not subject to CORS), the 64 KB message
 * limit, handshake authentication on every namespace, and every socket in its
 * `user:<id>` and `session:<sid>` rooms before any gateway sees it. The server
 * becomes a transport of the RealtimePublisher.
 */
export class AppIoAdapter extends IoAdapter {
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
    const server: Server = super.createIOServer(port, settings);

    const { use } = this.app.get(SocketAuthMiddleware);
    const prepare = (namespace: Namespace) => {
      namespace.use(use);
      // Registered before any gateway's connection handler (Nest binds those after creating the namespace).
      namespace.on('connection', (socket) => {
        const { principal } = socket.data as SocketData;
        socket.join([userRoom(principal.userId), sessionRoom(principal.sessionId)]);
      });
    };
    prepare(server.of('/'));
    server.on('new_namespace', prepare);

    this.app.get(RealtimePublisher).registerTransport(new SocketIoTransport(server));
    return server;
  }
}
