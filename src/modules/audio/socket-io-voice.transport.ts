import { performance } from 'node:perf_hooks';
import type { Namespace, Socket } from 'socket.io';
import type WebSocket from 'ws';
import { backlogOf } from '../../common/websocket/engine-backlog';
import type { SocketLimits } from '../../common/websocket/socket-limits';
import type { SocketMetrics } from '../../common/websocket/socket-metrics';
import { userRoom } from '../../common/websocket/socket.types';
import { EngineConnection, PreEncodedEvent } from '../../common/websocket/pre-encoded-event';
import type { VoiceService } from './voice.service';
import type { AudioDataOut, VoiceClientEvents, VoiceEvent, VoiceEventMap, VoiceServerEvents } from './voice.socket-events';
import type { AudioPacket, ChannelConnections, VoiceConnection, VoiceTransport } from './voice.types';

export type VoiceNamespace = Namespace<VoiceClientEvents, VoiceServerEvents>;
export type VoiceSocket = Socket<VoiceClientEvents, VoiceServerEvents>;

/** The part of engine.io's websocket transport the latency probe uses (not in its public typings). */
interface EngineWebSocketTransport {
  name: string;
  socket?: WebSocket;
}

/** One /voice socket of a channel, with what the relay reads of it for every packet. */
interface Recipient {
  readonly socket: VoiceSocket;
  readonly conn: EngineConnection;
  readonly userId: string;
  readonly backlog: { bytes(): number };
}

/**
 * The /voice namespace as a voice transport. A connection's id is its socket
 * id. Audio is encoded once per packet, as Socket.IO's own broadcast does it
 * (the packet string with the data as a binary attachment, never base64, and
 * their websocket frames built once), and written to each recipient's
 * engine.io connection from a recipient list cached per channel: no rooms,
 * sets or objects per packet. The sender's own sockets are left out, and so
 * is a recipient whose outgoing backlog is over the cap (audio is worth
 * nothing late; the loss is counted). Both reach this instance's sockets only:
 * the delivery index is this instance's, and the VoiceLink, not the Socket.IO
 * adapter, carries a packet to the other instances, once. Channel events are
 * rare and go through the namespace (`local`).
 */
export class SocketIoVoiceTransport implements VoiceTransport {
  readonly name = 'voice';
  private readonly sockets = new Map<string, VoiceSocket>();
  /** When the outstanding ping of each raw websocket left. */
  private readonly pingSentAt = new WeakMap<WebSocket, number>();
  /** The channel's /voice sockets, rebuilt only when its connections change. */
  private readonly recipients = new WeakMap<ChannelConnections, { version: number; list: Recipient[] }>();

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
    const room = this.namespace.local.to(this.recipientsOf(channel).map(({ socket }) => socket.id));
    (exceptUserId ? room.except(userRoom(exceptUserId)) : room).emit(event, ...voiceEventArgs(event, payload));
  }

  relay(channel: ChannelConnections, packet: AudioPacket): number {
    const recipients = this.recipientsOf(channel);
    const cap = this.limits.outboundCapBytes;
    let encoded: PreEncodedEvent | undefined;
    let dropped = 0;
    for (let i = 0; i < recipients.length; i++) {
      const recipient = recipients[i];
      // A socket that left /voice keeps its place here until its disconnect handler has run; its connection may live on for other namespaces.
      if (recipient.userId === packet.userId || !recipient.socket.connected) continue;
      if (recipient.backlog.bytes() > cap) {
        dropped++;
        this.metrics.outboundDropped(this.namespace.name);
        continue;
      }
      encoded ??= this.encode(packet);
      encoded.writeTo(recipient.conn);
    }
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

  private encode(packet: AudioPacket): PreEncodedEvent {
    const payload: AudioDataOut = {
      user_id: packet.userId,
      channel_id: packet.channelId,
      data: packet.data,
      seq: packet.seq < 0 ? null : packet.seq,
      timestamp: packet.timestamp === packet.timestamp ? packet.timestamp : null,
    };
    return new PreEncodedEvent(this.namespace.server.encoder, this.namespace.name, 'AudioData', payload);
  }

  private recipientsOf(channel: ChannelConnections): Recipient[] {
    const cached = this.recipients.get(channel);
    if (cached?.version === channel.version) return cached.list;
    const list: Recipient[] = [];
    for (const connection of channel.all) {
      const socket = connection.transport === this.name ? this.sockets.get(connection.id) : undefined;
      if (socket) {
        list.push({ socket, conn: socket.conn as unknown as EngineConnection, userId: connection.principal.userId, backlog: backlogOf(socket) });
      }
    }
    this.recipients.set(channel, { version: channel.version, list });
    return list;
  }
}

/** Socket.IO's typed emit cannot narrow a generic event name to its listener's parameters; the VoiceEventMap already guarantees they match. */
function voiceEventArgs<E extends VoiceEvent>(_: E, payload: VoiceEventMap[E]): Parameters<VoiceServerEvents[E]> {
  return [payload] as Parameters<VoiceServerEvents[E]>;
}
