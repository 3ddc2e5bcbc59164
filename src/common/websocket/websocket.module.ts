import { Global, Module } from '@nestjs/common';
import { PlainWsServer } from './plain-ws.server';
import { RealtimePublisher } from './realtime.publisher';
import { SocketAuthMiddleware } from './socket-auth.middleware';

/**
 * The realtime plumbing every feature shares: the publisher, the Socket.IO
 * handshake middleware and the plain WebSocket server (both authenticate
 * through the Authenticator the global AuthModule binds).
 */
@Global()
@Module({
  providers: [RealtimePublisher, SocketAuthMiddleware, PlainWsServer],
  exports: [RealtimePublisher, SocketAuthMiddleware, PlainWsServer],
})
export class WebsocketModule {}
