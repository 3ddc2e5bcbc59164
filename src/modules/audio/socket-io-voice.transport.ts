import { performance } from 'node:perf_hooks';
import type { Namespace, Socket } from 'socket.io';
import type WebSocket from 'ws';
import { userRoom } from '../../common/websocket/socket.types';
import type { VoiceService } from './voice.service';
import type { AudioPacket, ChannelConnections, VoiceConnection, VoiceEvent, VoiceEventMap, VoiceTransport } from './voice.types';

export const channelRoom = (channelId: string): string => `channel:${channelId}`;

/** The part of engine.io's websocket transport the latency probe uses (not in its public typings). */
interface EngineWebSocketTransport {
  name: string;
  socket?: WebSocket;
}

/**
 * The /voice namespace as a voice transport. Deliveries are room broadcasts:
 * Socket.IO encodes a packet once for all its recipients (binary data as a
 * binary attachment, never base64), and the sender's own sockets are left out
 * through their `user:<id>` room.
 */
export class SocketIoVoiceTransport implements VoiceTransport {
  readonly name = 'voice';
  private readonly sockets = new Map<string, Socket>();
  /** When the outstanding ping of each raw websocket left. */
  private readonly pingSentAt = new WeakMap<WebSocket, number>();

  constructor(
    private readonly namespace: Namespace,
    private readonly voice: VoiceService,
  ) {}

  add(connection: VoiceConnection, socket: Socket): void {
    this.sockets.set(connection.id, socket);
  }

  remove(connection: VoiceConnection): void {
    this.sockets.delete(connection.id);
  }

  subscribe(connection: VoiceConnection, channelId: string): void {
    void this.sockets.get(connection.id)?.join(channelRoom(channelId));
  }

  unsubscribe(connection: VoiceConnection, channelId: string): void {
    void this.sockets.get(connection.id)?.leave(channelRoom(channelId));
  }

  toChannel<E extends VoiceEvent>(_: ChannelConnections, channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    const room = this.namespace.to(channelRoom(channelId));
    (exceptUserId ? room.except(userRoom(exceptUserId)) : room).emit(event, payload);
  }

  relay(_: ChannelConnections, packet: AudioPacket): void {
    this.namespace
      .to(channelRoom(packet.channelId))
      .except(userRoom(packet.userId))
      .emit('AudioData', {
        user_id: packet.userId,
        channel_id: packet.channelId,
        data: packet.data,
        seq: packet.seq < 0 ? null : packet.seq,
        timestamp: packet.timestamp === packet.timestamp ? packet.timestamp : null,
      });
  }

  toAll<E extends VoiceEvent>(event: E, payload: VoiceEventMap[E]): void {
    this.namespace.emit(event, payload);
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
}
