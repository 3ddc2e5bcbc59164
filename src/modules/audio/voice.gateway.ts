import { OnModuleDestroy, UseFilters, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { performance } from 'node:perf_hooks';
import type { Namespace } from 'socket.io';
import { toWsError } from '../../common/errors/app-error';
import type { AuthenticatedSocket } from '../../common/websocket/socket.types';
import { ackError, AckCallback, ackOk } from '../../common/websocket/ws-ack';
import { WsExceptionFilter } from '../../common/websocket/ws-exception.filter';
import { createValidationPipe } from '../../common/validation/validation.pipe';
import { MetricsRecorder } from '../metrics/metrics-recorder.service';
import { parseAudioData } from './audio-packet.parser';
import { VoiceChannelDto } from './dto/voice-channel.dto';
import { SocketIoVoiceTransport } from './socket-io-voice.transport';
import { VoiceService } from './voice.service';
import type { VoiceConnection } from './voice.types';

const NAMESPACE = '/voice';

/**
 * Seed 004's voice protocol over Socket.IO. The handshake middleware has
 * authenticated every socket before it gets here.
 */
@WebSocketGateway({ namespace: NAMESPACE })
@UseFilters(WsExceptionFilter)
@UsePipes(createValidationPipe())
export class VoiceGateway
  implements OnGatewayInit<Namespace>, OnGatewayConnection<AuthenticatedSocket>, OnGatewayDisconnect<AuthenticatedSocket>, OnModuleDestroy
{
  private namespace?: Namespace;
  private transport!: SocketIoVoiceTransport;
  private readonly connections = new WeakMap<AuthenticatedSocket, VoiceConnection>();

  constructor(
    private readonly voice: VoiceService,
    private readonly metrics: MetricsRecorder,
  ) {}

  afterInit(namespace: Namespace): void {
    this.namespace = namespace;
    this.transport = new SocketIoVoiceTransport(namespace, this.voice);
    this.voice.registerTransport(this.transport);
  }

  /** Shutdown: voice clients are told before counters are flushed and the database closes. */
  onModuleDestroy(): void {
    this.namespace?.disconnectSockets(true);
  }

  handleConnection(socket: AuthenticatedSocket): void {
    const connection = this.voice.connect('voice', socket.data.principal);
    this.connections.set(socket, connection);
    this.transport.add(connection, socket);
    this.transport.ping(connection);
    // AudioData bypasses Nest's handler pipeline (observable, pipes, filters per call): it runs 50 times a second per speaker.
    socket.on('AudioData', (payload: unknown, ack?: unknown) => this.audio(socket, connection, payload, ack));
  }

  async handleDisconnect(socket: AuthenticatedSocket): Promise<void> {
    const connection = this.connections.get(socket);
    if (!connection) return;
    this.transport.remove(connection);
    await this.voice.disconnect(connection);
  }

  @SubscribeMessage('JoinChannel')
  async join(@ConnectedSocket() socket: AuthenticatedSocket, @MessageBody() dto: VoiceChannelDto) {
    this.metrics.socketEvent(NAMESPACE, 'JoinChannel');
    return ackOk(await this.voice.join(this.connectionOf(socket), dto.channel_id, dto.user_id));
  }

  @SubscribeMessage('LeaveChannel')
  async leave(@ConnectedSocket() socket: AuthenticatedSocket, @MessageBody() dto: VoiceChannelDto) {
    this.metrics.socketEvent(NAMESPACE, 'LeaveChannel');
    await this.voice.leave(this.connectionOf(socket), dto.channel_id);
    return ackOk({ channel_id: dto.channel_id });
  }

  private audio(socket: AuthenticatedSocket, connection: VoiceConnection, payload: unknown, ack: unknown): void {
    const arrival = performance.now();
    this.metrics.socketEvent(NAMESPACE, 'AudioData');
    const reply = typeof ack === 'function' ? (ack as AckCallback) : undefined;
    try {
      const { packet, bytes } = parseAudioData(payload, connection.principal.userId);
      this.voice.relay(connection, packet, bytes, arrival);
      reply?.(ackOk());
    } catch (error) {
      if (reply) reply(ackError(error));
      else socket.emit('error', toWsError(error));
    }
  }

  private connectionOf(socket: AuthenticatedSocket): VoiceConnection {
    return this.connections.get(socket)!;
  }
}
