import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { RealtimePublisher } from '../../common/websocket/realtime.publisher';
import { PresenceService } from '../realtime/presence/presence.service';
import { PRESENCE_EVENTS, SocketClosedEvent } from '../realtime/realtime.events';
import { UserStatsService } from '../stats/user-stats.service';
import { CallRegistry, peerOf } from './call-registry';
import type { AnswerCallDto, CallUserDto, IceCandidateDto, TargetUserDto } from './dto/signaling.dto';

/** What became of a `callUser`. */
export type CallOutcome = 'ringing' | 'busy' | 'offline';

/**
 * WebRTC call signaling: who calls whom, busy detection, and the
 * relay of offers, answers and candidates between the two parties only. A call
 * ends when a party ends or rejects it, or when the socket that holds it goes.
 */
@Injectable()
export class SignalingService {
  private readonly calls = new CallRegistry();

  constructor(
    private readonly presence: PresenceService,
    private readonly publisher: RealtimePublisher,
    private readonly stats: UserStatsService,
  ) {}

  async callUser(caller: UserPrincipal, socketId: string, { targetUserId, signalData }: CallUserDto): Promise<CallOutcome> {
    if (targetUserId === caller.userId) throw new AppError('INVALID_INPUT', 'Cannot call yourself');
    this.assertFree(caller.userId);
    if ((await this.presence.connectionCount(targetUserId)) === 0) return 'offline';
    // Presence is asynchronous: the caller may have placed another call meanwhile.
    this.assertFree(caller.userId);
    if (this.calls.of(targetUserId)) return 'busy';

    this.calls.open({ caller: caller.userId, callee: targetUserId, state: 'ringing', callerSocket: socketId, calleeSocket: null });
    this.stats.add(caller.userId, { calls_made: 1 });
    this.publisher.toUser(targetUserId, 'incomingCall', { from: caller.userId, username: caller.username, signalData });
    return 'ringing';
  }

  /** Only the callee of a ringing call answers it; the answering socket then holds the call. */
  answerCall(callee: UserPrincipal, socketId: string, { targetUserId, signalData }: AnswerCallDto): void {
    const call = this.calls.between(callee.userId, targetUserId);
    if (!call || call.callee !== callee.userId || call.state !== 'ringing') {
      throw new AppError('PERMISSION_DENIED', 'No incoming call from this user');
    }
    call.state = 'active';
    call.calleeSocket = socketId;
    this.publisher.toUser(targetUserId, 'callAccepted', { from: callee.userId, signalData });
  }

  /** Only the callee of a ringing call rejects it (the caller cancels with endCall). */
  rejectCall(callee: UserPrincipal, { targetUserId }: TargetUserDto): void {
    const call = this.calls.between(callee.userId, targetUserId);
    if (!call || call.callee !== callee.userId || call.state !== 'ringing') {
      throw new AppError('PERMISSION_DENIED', 'No incoming call from this user');
    }
    this.calls.close(call);
    this.publisher.toUser(targetUserId, 'callRejected', { from: callee.userId });
  }

  /** Either party ends the call, ringing or active. */
  endCall(user: UserPrincipal, { targetUserId }: TargetUserDto): void {
    const call = this.calls.between(user.userId, targetUserId);
    if (!call) throw new AppError('PERMISSION_DENIED', 'No call with this user');
    this.calls.close(call);
    this.publisher.toUser(targetUserId, 'callEnded', { from: user.userId });
  }

  /** Candidates flow between the parties from the offer on (trickle ICE starts before the answer). */
  iceCandidate(user: UserPrincipal, { targetUserId, candidate }: IceCandidateDto): void {
    if (!this.calls.between(user.userId, targetUserId)) throw new AppError('PERMISSION_DENIED', 'No call with this user');
    this.publisher.toUser(targetUserId, 'iceCandidate', { from: user.userId, candidate });
  }

  /**
   * A party's socket went: the call ends if that socket held it, or, for a
   * callee still ringing, when the callee's last socket went.
   */
  @OnEvent(PRESENCE_EVENTS.socketClosed)
  socketClosed({ userId, socketId, lastConnection }: SocketClosedEvent): void {
    const call = this.calls.of(userId);
    if (!call) return;
    const holder = call.caller === userId ? call.callerSocket : call.calleeSocket;
    if (holder !== socketId && !(holder === null && lastConnection)) return;
    this.calls.close(call);
    this.publisher.toUser(peerOf(call, userId), 'callEnded', { from: userId });
  }

  /** Admin reset: every call ends and both parties are told. */
  @OnEvent(ADMIN_EVENTS.reset)
  reset(): AdminOperationCounts {
    const calls = this.calls.clear();
    for (const call of calls) {
      this.publisher.toUser(call.caller, 'callEnded', { from: call.callee });
      this.publisher.toUser(call.callee, 'callEnded', { from: call.caller });
    }
    return { calls_ended: calls.length };
  }

  private assertFree(userId: string): void {
    if (this.calls.of(userId)) throw new AppError('PERMISSION_DENIED', 'Already in a call; end it first');
  }
}
