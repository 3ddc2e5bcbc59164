import { Logger, OnModuleDestroy, UseFilters } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { DefaultEventsMap, Server } from 'socket.io';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { writeTogether } from '../../common/websocket/engine-write-batching';
import { BurstEvent, sendBurst } from '../../common/websocket/event-burst';
import { userRoom, type AuthenticatedSocket, type SocketData } from '../../common/websocket/socket.types';
import { ackOk, AckCallback } from '../../common/websocket/ws-ack';
import { WsExceptionFilter } from '../../common/websocket/ws-exception.filter';
import { PresenceAnnouncement, PresenceAnnouncer } from './presence/presence-announcer';
import { PresenceService } from './presence/presence.service';
import { UsersPacket } from './presence/users-packet';
import { PRESENCE_EVENTS, PresenceDepartedEvent } from './realtime.events';
import type { RealtimeClientEvents, RealtimeServerEvents } from './realtime.socket-events';

type RealtimeSocket = AuthenticatedSocket<RealtimeClientEvents, RealtimeServerEvents>;

/**
 * Namespace `/`: presence announcements and `register` (a client announcing its user). The socket
 * is authenticated (and in its rooms) before this gateway sees it. Arrivals and departures go out
 * through the PresenceAnnouncer, in one burst per window.
 */
@UseFilters(WsExceptionFilter)
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeGateway.name);
  /**
   * Set when shutdown begins: every socket is about to go, and announcing each
   * user's departure to all the others would cost users × sockets packets
   * (seconds with a thousand sockets) for clients that are disconnected anyway.
   */
  private stopping = false;
  private readonly usersPacket = new UsersPacket();

  @WebSocketServer()
  private readonly server!: Server<RealtimeClientEvents, RealtimeServerEvents, DefaultEventsMap, SocketData>;

  constructor(
    private readonly presence: PresenceService,
    private readonly announcer: PresenceAnnouncer,
  ) {}

  /**
   * A window's announcements reach every socket of the namespace; a user's own sockets are not told of
   * their arrival: their `users` list already has them. Alone, this instance's sockets are all there is,
   * and each gets the window as one burst. With the Redis adapter they are broadcast, to the sockets of
   * every instance.
   */
  afterInit(server: Server<RealtimeClientEvents, RealtimeServerEvents, DefaultEventsMap, SocketData>): void {
    this.announcer.attach((announcements) => {
      if (!this.presence.clusterWide) {
        sendBurst(server.sockets, announcements.map(asBurstEvent));
        return;
      }
      writeTogether(server.sockets.sockets, () => {
        for (const announcement of announcements) {
          if (announcement.event === 'userConnected') server.except(userRoom(announcement.payload.id)).emit('userConnected', announcement.payload);
          else server.emit('userDisconnected', announcement.payload);
        }
      });
    });
  }

  async handleConnection(socket: RealtimeSocket): Promise<void> {
    const { principal, connectedAt } = socket.data;
    try {
      const { first, users } = await this.presence.connect(principal, socket.id, connectedAt);
      if (!socket.connected) return;
      this.usersPacket.send(socket, users);
      if (first) this.announcer.connected({ id: principal.userId, username: principal.username });
    } catch (error) {
      this.logger.error({ err: error }, 'presence could not record a connection');
      socket.disconnect(true);
    }
  }

  async handleDisconnect(socket: RealtimeSocket): Promise<void> {
    const { principal, connectedAt } = socket.data;
    try {
      const { last } = await this.presence.disconnect(principal, socket.id, connectedAt);
      // While stopping, only the other instances' clients are left to tell (this instance's are going).
      if (last && (!this.stopping || this.presence.clusterWide)) this.announcer.disconnected(principal.userId);
    } catch (error) {
      this.logger.error({ err: error }, 'presence could not record a disconnection');
    }
  }

  /** Shutdown: clients are told (disconnect) before counters are flushed and the database closes. */
  onModuleDestroy(): void {
    this.stopping = true;
    // What is pending goes now, and what follows at once: no later window would come.
    this.announcer.stop();
    // Absent in an application context without a WebSocket adapter (the seed script). `local`: with the
    // Redis adapter a plain disconnectSockets would close the sockets of every instance.
    this.server?.local.disconnectSockets(true);
  }

  /** Acknowledged when the id is the caller's own; without an ack callback the answer is a `registered` event. */
  @SubscribeMessage('register')
  register(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() payload: unknown, @Ack() ack?: AckCallback): void {
    const userId = this.presence.register(socket.data.principal, payload);
    if (typeof ack === 'function') ack(ackOk({ userId }));
    else socket.emit('registered', { userId });
  }

  /**
   * Users gone with a dead or stopping instance (or while Redis was away): told once, by the instance
   * that noticed, to every instance. Also while stopping: this instance's own sockets are already closed,
   * and the other instances' clients must learn that this instance's users left.
   */
  @OnEvent(PRESENCE_EVENTS.departed)
  departed({ userIds }: PresenceDepartedEvent): void {
    for (const userId of userIds) this.announcer.disconnected(userId);
  }

  /** Admin reset: every socket of namespace `/` is disconnected (on every instance); clients may reconnect. */
  @OnEvent(ADMIN_EVENTS.reset)
  async reset(): Promise<AdminOperationCounts> {
    const sockets = await this.presence.totalConnections();
    this.server.disconnectSockets(true);
    return { disconnected_sockets: sockets };
  }
}

function asBurstEvent(announcement: PresenceAnnouncement): BurstEvent {
  return announcement.event === 'userConnected'
    ? { event: 'userConnected', payload: announcement.payload, exceptRoom: userRoom(announcement.payload.id) }
    : { event: 'userDisconnected', payload: announcement.payload };
}
