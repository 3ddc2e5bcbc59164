import { OnModuleDestroy, UseFilters, UsePipes } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { performance } from 'node:perf_hooks';
import type { AuthenticatedSocket } from '../../common/websocket/socket.types';
import { ackOk, AckCallback, replyError } from '../../common/websocket/ws-ack';
import { WsExceptionFilter } from '../../common/websocket/ws-exception.filter';
import { WsValidationPipe } from '../../common/websocket/ws-validation.pipe';
import { SocketLimits } from '../../common/websocket/socket-limits';
import { SocketMetrics } from '../../common/websocket/socket-metrics';
import { parseAudioData } from './audio-packet.parser';
import { VoiceChannelDto } from './dto/voice-channel.dto';
import { SocketIoVoiceTransport, VoiceNamespace } from './socket-io-voice.transport';
import type { VoiceClientEvents, VoiceServerEvents } from './voice.socket-events';
import { VoiceService } from './voice.service';
import type { VoiceConnection } from './voice.types';

const NAMESPACE = '/voice';

type VoiceGatewaySocket = AuthenticatedSocket<VoiceClientEvents, VoiceServerEvents>;

/**
 * The voice protocol over Socket.IO. The handshake middleware has
 * authenticated every socket before it gets here.
 */
@WebSocketGateway({ namespace: NAMESPACE })
@UseFilters(WsExceptionFilter)
@UsePipes(WsValidationPipe)
export class VoiceGateway
  implements OnGatewayInit<VoiceNamespace>, OnGatewayConnection<VoiceGatewaySocket>, OnGatewayDisconnect<VoiceGatewaySocket>, OnModuleDestroy
{
  private namespace?: VoiceNamespace;
  private transport!: SocketIoVoiceTransport;
  private readonly connections = new WeakMap<VoiceGatewaySocket, VoiceConnection>();

  constructor(
    private readonly voice: VoiceService,
    private readonly metrics: SocketMetrics,
    private readonly limits: SocketLimits,
  ) {}

  afterInit(namespace: VoiceNamespace): void {
    this.namespace = namespace;
    this.transport = new SocketIoVoiceTransport(namespace, this.voice, this.limits, this.metrics);
    this.voice.registerTransport(this.transport);
  }

  /** Shutdown: voice clients are told before counters are flushed and the database closes. */
  onModuleDestroy(): void {
    // `local`: with the Redis adapter a plain disconnectSockets would close the sockets of every instance.
    this.namespace?.local.disconnectSockets(true);
  }

  handleConnection(socket: VoiceGatewaySocket): void {
    const connection = this.voice.connect('voice', socket.id, socket.data.principal);
    this.connections.set(socket, connection);
    this.transport.add(socket);
    this.transport.ping(connection);
    // AudioData bypasses Nest's handler pipeline (observable, pipes, filters per call): it runs 50 times a second per speaker.
    socket.on('AudioData', (payload: unknown, ack?: unknown) => this.audio(socket, connection, payload, ack));
  }

  async handleDisconnect(socket: VoiceGatewaySocket): Promise<void> {
    const connection = this.connections.get(socket);
    if (!connection) return;
    this.transport.remove(socket);
    await this.voice.disconnect(connection);
  }

  @SubscribeMessage('JoinChannel')
  async join(@ConnectedSocket() socket: VoiceGatewaySocket, @MessageBody() dto: VoiceChannelDto) {
    return ackOk(await this.voice.join(this.connectionOf(socket), dto.channel_id, dto.user_id));
  }

  @SubscribeMessage('LeaveChannel')
  async leave(@ConnectedSocket() socket: VoiceGatewaySocket, @MessageBody() dto: VoiceChannelDto) {
    await this.voice.leave(this.connectionOf(socket), dto.channel_id);
    return ackOk({ channel_id: dto.channel_id });
  }

  private audio(socket: VoiceGatewaySocket, connection: VoiceConnection, payload: unknown, ack: unknown): void {
    const arrival = performance.now();
    this.metrics.socketEvent(NAMESPACE, 'AudioData');
    const reply = typeof ack === 'function' ? (ack as AckCallback) : undefined;
    try {
      const { packet, bytes } = parseAudioData(payload, connection.principal.userId);
      this.voice.relay(connection, packet, bytes, arrival);
      reply?.(ackOk());
    } catch (error) {
      replyError(socket, reply, error);
    }
  }

  private connectionOf(socket: VoiceGatewaySocket): VoiceConnection {
    return this.connections.get(socket)!;
  }
}
