import { UseFilters, UsePipes } from '@nestjs/common';
import { Ack, ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { AppError } from '../../common/errors/app-error';
import { SocketLimits } from '../../common/websocket/socket-limits';
import type { AuthenticatedSocket } from '../../common/websocket/socket.types';
import { ackError, ackOk, AckCallback, AckOk } from '../../common/websocket/ws-ack';
import { WsExceptionFilter } from '../../common/websocket/ws-exception.filter';
import { WsValidationPipe } from '../../common/websocket/ws-validation.pipe';
import { AnswerCallDto, CallUserDto, IceCandidateDto, TargetUserDto } from './dto/signaling.dto';
import type { SignalingClientEvents, SignalingServerEvents } from './signaling.socket-events';
import { SignalingService } from './signaling.service';

/** Inbound events limited as the `signaling` class. */
const SIGNALING_EVENTS: readonly (keyof SignalingClientEvents)[] = ['callUser', 'answerCall', 'rejectCall', 'endCall', 'iceCandidate'];

type SignalingSocket = AuthenticatedSocket<SignalingClientEvents, SignalingServerEvents>;

/** WebRTC signaling on namespace `/`: validates, delegates, acknowledges. */
@UseFilters(WsExceptionFilter)
@UsePipes(WsValidationPipe)
@WebSocketGateway()
export class SignalingGateway {
  constructor(
    private readonly signaling: SignalingService,
    limits: SocketLimits,
  ) {
    limits.assign(SIGNALING_EVENTS, 'signaling');
  }

  /** The caller's socket hears `callRejected {reason:"busy"}` or `callError` besides the ack. */
  @SubscribeMessage('callUser')
  async callUser(@ConnectedSocket() socket: SignalingSocket, @MessageBody() dto: CallUserDto, @Ack() ack?: AckCallback): Promise<void> {
    const outcome = await this.signaling.callUser(socket.data.principal, socket.id, dto);
    if (outcome === 'offline') {
      const error = new AppError('USER_NOT_CONNECTED');
      socket.emit('callError', { targetUserId: dto.targetUserId, error_code: error.code, message: error.message });
      ack?.(ackError(error));
      return;
    }
    if (outcome === 'busy') socket.emit('callRejected', { from: dto.targetUserId, reason: 'busy' });
    ack?.(ackOk({ status: outcome }));
  }

  @SubscribeMessage('answerCall')
  async answerCall(@ConnectedSocket() socket: SignalingSocket, @MessageBody() dto: AnswerCallDto): Promise<AckOk> {
    await this.signaling.answerCall(socket.data.principal, socket.id, dto);
    return ackOk();
  }

  @SubscribeMessage('rejectCall')
  async rejectCall(@ConnectedSocket() socket: SignalingSocket, @MessageBody() dto: TargetUserDto): Promise<AckOk> {
    await this.signaling.rejectCall(socket.data.principal, dto);
    return ackOk();
  }

  @SubscribeMessage('endCall')
  async endCall(@ConnectedSocket() socket: SignalingSocket, @MessageBody() dto: TargetUserDto): Promise<AckOk> {
    await this.signaling.endCall(socket.data.principal, dto);
    return ackOk();
  }

  @SubscribeMessage('iceCandidate')
  async iceCandidate(@ConnectedSocket() socket: SignalingSocket, @MessageBody() dto: IceCandidateDto): Promise<AckOk> {
    await this.signaling.iceCandidate(socket.data.principal, dto);
    return ackOk();
  }
}
