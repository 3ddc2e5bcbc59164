import { Global, Module } from '@nestjs/common';
import { PlainWsServer } from './plain-ws.server';
import { RealtimePublisher } from './realtime.publisher';
import { SocketAuthMiddleware } from './socket-auth.middleware';
import { SocketLimits } from './socket-limits';

/**
 * The realtime plumbing every feature shares: the publisher, the Socket.IO
 * handshake middleware and the plain WebSocket server (both authenticate
 * through the Authenticator the global AuthModule binds).
 */
@Global()
@Module({
  providers: [RealtimePublisher, SocketAuthMiddleware, PlainWsServer, SocketLimits],
  exports: [RealtimePublisher, SocketAuthMiddleware, PlainWsServer, SocketLimits],
})
export class WebsocketModule {}
