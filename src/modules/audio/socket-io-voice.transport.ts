import { performance } from 'node:perf_hooks';
import type { Namespace, Socket } from 'socket.io';
import type WebSocket from 'ws';
import { backlogOf } from '../../common/websocket/engine-backlog';
import type { SocketLimits } from '../../common/websocket/socket-limits';
import type { SocketMetrics } from '../../common/websocket/socket-metrics';
import { SocketData, userRoom } from '../../common/websocket/socket.types';
import type { VoiceService } from './voice.service';
import type { VoiceClientEvents, VoiceEvent, VoiceEventMap, VoiceServerEvents } from './voice.socket-events';
import type { AudioPacket, ChannelConnections, VoiceConnection, VoiceTransport } from './voice.types';

export type VoiceNamespace = Namespace<VoiceClientEvents, VoiceServerEvents>;
export type VoiceSocket = Socket<VoiceClientEvents, VoiceServerEvents>;

/** The part of engine.io's websocket transport the latency probe uses (not in its public typings). */
interface EngineWebSocketTransport {
  name: string;
  socket?: WebSocket;
}

/**
 * The /voice namespace as a voice transport. A connection's id is its socket
 * id, which is also a Socket.IO room, so a delivery is one broadcast to the
 * channel's sockets from the voice service's delivery index: Socket.IO
 * encodes a packet once for all its recipients (binary data as a binary
 * attachment, never base64), and the sender's own sockets are left out
 * through their `user:<id>` room. Both go to this instance's sockets only
 * (`local`): the delivery index is this instance's, and the VoiceLink, not the
 * Socket.IO adapter, carries a packet to the other instances, once. A recipient
 * whose outgoing backlog is over the cap is left out of that packet (audio is
 * worth nothing late).
 */
export class SocketIoVoiceTransport implements VoiceTransport {
  readonly name = 'voice';
  private readonly sockets = new Map<string, VoiceSocket>();
  /** When the outstanding ping of each raw websocket left. */
  private readonly pingSentAt = new WeakMap<WebSocket, number>();
  /** The channel's /voice socket ids, rebuilt only when its connections change. */
  private readonly recipients = new WeakMap<ChannelConnections, { version: number; socketIds: string[] }>();

  constructor(
    private readonly namespace: VoiceNamespace,
    private readonly voice: VoiceService,
    private readonly limits: SocketLimits,
    private readonly metrics: SocketMetrics,
  ) {}

  add(socket: VoiceSocket): void {
    this.sockets.set(socket.id, socket);
  }

  remove(socket: VoiceSocket): void {
    this.sockets.delete(socket.id);
  }

  toChannel<E extends VoiceEvent>(channel: ChannelConnections, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    const room = this.namespace.local.to(this.socketIdsOf(channel));
    (exceptUserId ? room.except(userRoom(exceptUserId)) : room).emit(event, ...voiceEventArgs(event, payload));
  }

  relay(channel: ChannelConnections, packet: AudioPacket): number {
    const socketIds = this.socketIdsOf(channel);
    const cap = this.limits.outboundCapBytes;
    // null while every recipient is under the cap: the cached list is used as it is.
    let kept: string[] | null = null;
    let dropped = 0;
    for (let i = 0; i < socketIds.length; i++) {
      const socket = this.sockets.get(socketIds[i]);
      const congested = socket !== undefined && (socket.data as SocketData).principal.userId !== packet.userId && backlogOf(socket).bytes() > cap;
      if (congested) {
        kept ??= socketIds.slice(0, i);
        dropped++;
        this.metrics.outboundDropped(this.namespace.name);
      } else kept?.push(socketIds[i]);
    }
    const recipients = kept ?? socketIds;
    if (recipients.length === 0) return dropped;
    this.namespace.local
      .to(recipients)
      .except(userRoom(packet.userId))
      .emit('AudioData', {
        user_id: packet.userId,
        channel_id: packet.channelId,
        data: packet.data,
        seq: packet.seq < 0 ? null : packet.seq,
        timestamp: packet.timestamp === packet.timestamp ? packet.timestamp : null,
      });
    return dropped;
  }

  /** This instance's /voice sockets: every instance tells its own (a config change reaches them all through the cluster bus). */
  toAll<E extends VoiceEvent>(event: E, payload: VoiceEventMap[E]): void {
    this.namespace.local.emit(event, ...voiceEventArgs(event, payload));
  }

  /**
   * A websocket ping frame on the socket's underlying connection: every client
   * answers it with a pong by itself (RFC 6455), so the round trip is measured
   * without client cooperation. Polling clients have no such frame: no sample.
   */
  ping(connection: VoiceConnection): void {
    const transport = this.sockets.get(connection.id)?.conn.transport as unknown as EngineWebSocketTransport | undefined;
    const ws = transport?.name === 'websocket' ? transport.socket : undefined;
    if (!ws || ws.readyState !== ws.OPEN) return;
    if (!this.pingSentAt.has(ws)) {
      ws.on('pong', () => {
        const sentAt = this.pingSentAt.get(ws);
        if (sentAt !== undefined && sentAt > 0) this.voice.recordRtt(connection, performance.now() - sentAt);
        this.pingSentAt.set(ws, 0);
      });
    }
    this.pingSentAt.set(ws, performance.now());
    ws.ping();
  }

  disconnect(connection: VoiceConnection): void {
    this.sockets.get(connection.id)?.disconnect(true);
  }

  private socketIdsOf(channel: ChannelConnections): string[] {
    const cached = this.recipients.get(channel);
    if (cached?.version === channel.version) return cached.socketIds;
    const socketIds: string[] = [];
    for (const connection of channel.all) if (connection.transport === this.name) socketIds.push(connection.id);
    this.recipients.set(channel, { version: channel.version, socketIds });
    return socketIds;
  }
}

/** Socket.IO's typed emit cannot narrow a generic event name to its listener's parameters; the VoiceEventMap already guarantees they match. */
function voiceEventArgs<E extends VoiceEvent>(_: E, payload: VoiceEventMap[E]): Parameters<VoiceServerEvents[E]> {
  return [payload] as Parameters<VoiceServerEvents[E]>;
}
