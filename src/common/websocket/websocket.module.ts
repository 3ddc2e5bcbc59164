import { Global, Module } from '@nestjs/common';
import { RealtimePublisher } from './realtime.publisher';
import { SocketAuthMiddleware } from './socket-auth.middleware';

/**
 * The realtime plumbing every gateway shares: the publisher and the handshake
 * middleware (which needs the Authenticator the global AuthModule binds).
 */
@Global()
@Module({
  providers: [RealtimePublisher, SocketAuthMiddleware],
  exports: [RealtimePublisher, SocketAuthMiddleware],
})
export class WebsocketModule {}
