import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { RealtimePublisher } from '../../common/websocket/realtime.publisher';
import { PresenceService } from '../realtime/presence/presence.service';
import { PRESENCE_EVENTS, PresenceDepartedEvent, SocketClosedEvent } from '../realtime/realtime.events';
import { UserStatsService } from '../stats/user-stats.service';
import { Call, CallRegistry, peerOf } from './call-registry';
import type { AnswerCallDto, CallUserDto, IceCandidateDto, TargetUserDto } from './dto/signaling.dto';

/** What became of a `callUser`. */
export type CallOutcome = 'ringing' | 'busy' | 'offline';

/**
 * WebRTC call signaling: who calls whom, busy detection, and the
 * relay of offers, answers and candidates between the two parties only. A call
 * ends when a party ends or rejects it, or when the socket that holds it goes.
 * Calls live in the CallRegistry (shared through Redis by several instances)
 * and every push targets a user, so the parties may be on any instances.
 */
@Injectable()
export class SignalingService {
  constructor(
    private readonly calls: CallRegistry,
    private readonly presence: PresenceService,
    private readonly publisher: RealtimePublisher,
    private readonly stats: UserStatsService,
  ) {}

  async callUser(caller: UserPrincipal, socketId: string, { targetUserId, signalData }: CallUserDto): Promise<CallOutcome> {
    if (targetUserId === caller.userId) throw new AppError('INVALID_INPUT', 'Cannot call yourself');
    if (await this.calls.of(caller.userId)) throw alreadyInCall();
    if ((await this.presence.connectionCount(targetUserId)) === 0) return 'offline';
    // The caller may have placed another call meanwhile, here or on another instance: the registry decides atomically.
    const opened = await this.calls.open({ caller: caller.userId, callee: targetUserId, callerSocket: socketId });
    if (opened.status === 'caller-busy') throw alreadyInCall();
    if (opened.status === 'busy') return 'busy';

    this.stats.add(caller.userId, { calls_made: 1 });
    this.publisher.toUser(targetUserId, 'incomingCall', { from: caller.userId, username: caller.username, signalData });
    return 'ringing';
  }

  /** Only the callee of a ringing call answers it; the answering socket then holds the call. */
  async answerCall(callee: UserPrincipal, socketId: string, { targetUserId, signalData }: AnswerCallDto): Promise<void> {
    if (!(await this.calls.answer(callee.userId, targetUserId, socketId))) throw new AppError('PERMISSION_DENIED', 'No incoming call from this user');
    this.publisher.toUser(targetUserId, 'callAccepted', { from: callee.userId, signalData });
  }

  /** Only the callee of a ringing call rejects it (the caller cancels with endCall). */
  async rejectCall(callee: UserPrincipal, { targetUserId }: TargetUserDto): Promise<void> {
    const call = await this.calls.between(callee.userId, targetUserId);
    if (!call || call.callee !== callee.userId || call.state !== 'ringing' || !(await this.calls.close(call))) {
      throw new AppError('PERMISSION_DENIED', 'No incoming call from this user');
    }
    this.publisher.toUser(targetUserId, 'callRejected', { from: callee.userId });
  }

  /** Either party ends the call, ringing or active. */
  async endCall(user: UserPrincipal, { targetUserId }: TargetUserDto): Promise<void> {
    const call = await this.calls.between(user.userId, targetUserId);
    if (!call || !(await this.calls.close(call))) throw new AppError('PERMISSION_DENIED', 'No call with this user');
    this.publisher.toUser(targetUserId, 'callEnded', { from: user.userId });
  }

  /** Candidates flow between the parties from the offer on (trickle ICE starts before the answer). */
  async iceCandidate(user: UserPrincipal, { targetUserId, candidate }: IceCandidateDto): Promise<void> {
    if (!(await this.calls.between(user.userId, targetUserId))) throw new AppError('PERMISSION_DENIED', 'No call with this user');
    this.publisher.toUser(targetUserId, 'iceCandidate', { from: user.userId, candidate });
  }

  /**
   * A party's socket went: the call ends if that socket held it, or, for a
   * callee still ringing, when the callee's last socket went.
   */
  @OnEvent(PRESENCE_EVENTS.socketClosed)
  async socketClosed({ userId, socketId, lastConnection }: SocketClosedEvent): Promise<void> {
    const call = await this.calls.of(userId);
    if (!call) return;
    const holder = call.caller === userId ? call.callerSocket : call.calleeSocket;
    if (holder !== socketId && !(holder === null && lastConnection)) return;
    await this.endFor(call, [userId]);
  }

  /** Users whose last socket went without this instance seeing it (their instance died): their calls end. */
  @OnEvent(PRESENCE_EVENTS.departed)
  async departed({ userIds }: PresenceDepartedEvent): Promise<void> {
    for (const userId of userIds) {
      const call = await this.calls.of(userId);
      if (call) await this.endFor(call, [userId]);
    }
  }

  /** Calls whose holding socket was on a dead instance: the party that is left is told. */
  callsReleased(released: { call: Call; lostParties: string[] }[]): void {
    for (const { call, lostParties } of released) this.announceEnd(call, lostParties);
  }

  /** Admin reset: every call ends and both parties are told. */
  @OnEvent(ADMIN_EVENTS.reset)
  async reset(): Promise<AdminOperationCounts> {
    const calls = await this.calls.clear();
    for (const call of calls) {
      this.publisher.toUser(call.caller, 'callEnded', { from: call.callee });
      this.publisher.toUser(call.callee, 'callEnded', { from: call.caller });
    }
    return { calls_ended: calls.length };
  }

  /** Ends the call because `gone` left it; the other party is told, once, by whichever instance ended it. */
  private async endFor(call: Call, gone: string[]): Promise<void> {
    if (await this.calls.close(call)) this.announceEnd(call, gone);
  }

  private announceEnd(call: Call, gone: string[]): void {
    for (const userId of gone) {
      const peer = peerOf(call, userId);
      if (!gone.includes(peer)) this.publisher.toUser(peer, 'callEnded', { from: userId });
    }
  }
}

function alreadyInCall(): AppError {
  return new AppError('PERMISSION_DENIED', 'Already in a call; end it first');
}
