import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { RealtimePublisher } from '../../common/websocket/realtime.publisher';
import type { Env } from '../../config/env.validation';
import { PresenceService } from '../realtime/presence/presence.service';
import { PRESENCE_EVENTS, PresenceDepartedEvent, SocketClosedEvent } from '../realtime/realtime.events';
import { UserStatsService } from '../stats/user-stats.service';
import { Call, CallRegistry, peerOf } from './call-registry';
import type { AnswerCallDto, CallUserDto, IceCandidateDto, TargetUserDto } from './dto/signaling.dto';
import type { IceCandidateOutPayload } from '../../contracts/socket-events';

/** What became of a `callUser`. */
export type CallOutcome = 'ringing' | 'busy' | 'offline';

/** Remembered rejections are bounded: beyond this many, the oldest go first. */
const MAX_REMEMBERED_REJECTIONS = 10_000;

/** What this instance keeps about a call it placed that is still ringing (by call id). */
interface Ringing {
  timer: NodeJS.Timeout;
  /** Candidates relayed (or held) so far through this instance. */
  candidates: number;
  /** Candidates sent while the callee's presence was being checked: relayed after the offer, in order. */
  held: { to: string; payload: IceCandidateOutPayload }[] | null;
}

/**
 * WebRTC call signaling: who calls whom, busy detection, and the
 * relay of offers, answers and candidates between the two parties only. A call
 * ends when a party ends or rejects it, when the socket that holds it goes, or
 * when it rang unanswered for CALL_RING_TIMEOUT_S. Calls live in the
 * CallRegistry (shared through Redis by several instances) and every push
 * targets a user, so the parties may be on any instances; the ring timer and
 * the candidates held before the offer stay with the caller's instance.
 */
@Injectable()
export class SignalingService implements OnModuleDestroy {
  private readonly logger = new Logger(SignalingService.name);
  /** Ringing calls placed through this instance, by call id. */
  private readonly ringing = new Map<string, Ringing>();
  private readonly ringTimeoutMs: number;
  /** Candidates relayed per call before it is answered (a browser gathers a few dozen at most). */
  private readonly maxCandidatesBeforeAnswer: number;
  /** After a rejection, the same caller may not ring the same callee again for this long (no re-ring loops). */
  private readonly rejectedRecallMs: number;
  /** `caller>callee` → when the callee rejected, oldest first (per instance). */
  private readonly rejections = new Map<string, number>();

  constructor(
    private readonly calls: CallRegistry,
    private readonly presence: PresenceService,
    private readonly publisher: RealtimePublisher,
    private readonly stats: UserStatsService,
    config: ConfigService<Env, true>,
  ) {
    this.ringTimeoutMs = config.get('CALL_RING_TIMEOUT_S', { infer: true }) * 1000;
    this.maxCandidatesBeforeAnswer = config.get('CALL_MAX_CANDIDATES_BEFORE_ANSWER', { infer: true });
    this.rejectedRecallMs = config.get('CALL_REJECTED_RECALL_MS', { infer: true });
  }

  onModuleDestroy(): void {
    for (const { timer } of this.ringing.values()) clearTimeout(timer);
    this.ringing.clear();
  }

  /**
   * The call is registered (atomically, in the registry) before the callee's
   * presence is looked up, and with no await before it, so candidates the
   * caller sends right behind `callUser` find it; they are held until the
   * offer went out, and dropped with the call if the callee is offline.
   */
  async callUser(caller: UserPrincipal, socketId: string, { targetUserId, signalData }: CallUserDto): Promise<CallOutcome> {
    if (targetUserId === caller.userId) throw new AppError('INVALID_INPUT', 'Cannot call yourself');
    if (this.recentlyRejected(caller.userId, targetUserId)) {
      throw new AppError('RATE_LIMITED', 'This user just rejected your call; wait a few seconds before calling again');
    }
    const opened = await this.calls.open({ caller: caller.userId, callee: targetUserId, callerSocket: socketId });
    if (opened.status === 'caller-busy') throw alreadyInCall();
    if (opened.status === 'busy') return 'busy';
    const { call } = opened;
    const ringing: Ringing = { timer: setTimeout(() => this.timeOut(call), this.ringTimeoutMs), candidates: 0, held: [] };
    ringing.timer.unref();
    this.ringing.set(call.id, ringing);

    let online: boolean;
    try {
      online = (await this.presence.connectionCount(targetUserId)) > 0;
    } catch (error) {
      await this.forget(call);
      throw error;
    }
    // The call may have ended meanwhile (the caller hung up or disconnected).
    if ((await this.calls.of(caller.userId))?.id !== call.id) {
      this.stopRinging(call);
      return 'offline';
    }
    if (!online) {
      await this.forget(call);
      return 'offline';
    }
    this.stats.add(caller.userId, { calls_made: 1 });
    this.publisher.toUser(targetUserId, 'incomingCall', { from: caller.userId, username: caller.username, signalData });
    const held = ringing.held ?? [];
    ringing.held = null;
    for (const { to, payload } of held) this.publisher.toUser(to, 'iceCandidate', payload);
    return 'ringing';
  }

  /** Only the callee of a ringing call answers it; the answering socket then holds the call. */
  async answerCall(callee: UserPrincipal, socketId: string, { targetUserId, signalData }: AnswerCallDto): Promise<void> {
    const pending = await this.calls.between(callee.userId, targetUserId);
    // An offer not yet delivered (held on this instance) cannot be answered.
    if (pending && this.ringing.get(pending.id)?.held) throw new AppError('PERMISSION_DENIED', 'No incoming call from this user');
    const call = await this.calls.answer(callee.userId, targetUserId, socketId);
    if (!call) throw new AppError('PERMISSION_DENIED', 'No incoming call from this user');
    this.stopRinging(call);
    this.publisher.toUser(targetUserId, 'callAccepted', { from: callee.userId, signalData });
  }

  /** Only the callee of a ringing call rejects it (the caller cancels with endCall). */
  async rejectCall(callee: UserPrincipal, { targetUserId }: TargetUserDto): Promise<void> {
    const call = await this.calls.between(callee.userId, targetUserId);
    if (!call || call.callee !== callee.userId || call.state !== 'ringing' || !(await this.calls.close(call))) {
      throw new AppError('PERMISSION_DENIED', 'No incoming call from this user');
    }
    this.stopRinging(call);
    this.rememberRejection(call);
    this.publisher.toUser(targetUserId, 'callRejected', { from: callee.userId });
  }

  /** Either party ends the call, ringing or active. */
  async endCall(user: UserPrincipal, { targetUserId }: TargetUserDto): Promise<void> {
    const call = await this.calls.between(user.userId, targetUserId);
    if (!call || !(await this.calls.close(call))) throw new AppError('PERMISSION_DENIED', 'No call with this user');
    this.stopRinging(call);
    this.publisher.toUser(targetUserId, 'callEnded', { from: user.userId });
  }

  /**
   * Candidates flow between the parties from the offer on (trickle ICE starts
   * before the answer), at most CALL_MAX_CANDIDATES_BEFORE_ANSWER of them until the answer.
   */
  async iceCandidate(user: UserPrincipal, { targetUserId, candidate }: IceCandidateDto): Promise<void> {
    const call = await this.calls.between(user.userId, targetUserId);
    if (!call) throw new AppError('PERMISSION_DENIED', 'No call with this user');
    const payload = { from: user.userId, candidate };
    const ringing = call.state === 'ringing' ? this.ringing.get(call.id) : undefined;
    if (ringing) {
      if (ringing.candidates >= this.maxCandidatesBeforeAnswer) {
        throw new AppError('RATE_LIMITED', `At most ${this.maxCandidatesBeforeAnswer} candidates before the call is answered`);
      }
      ringing.candidates++;
      if (ringing.held) {
        ringing.held.push({ to: targetUserId, payload });
        return;
      }
    }
    this.publisher.toUser(targetUserId, 'iceCandidate', payload);
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
    for (const { call, lostParties } of released) {
      this.stopRinging(call);
      this.announceEnd(call, lostParties);
    }
  }

  /** Admin reset: every call ends and both parties are told. */
  @OnEvent(ADMIN_EVENTS.reset)
  async reset(): Promise<AdminOperationCounts> {
    const calls = await this.calls.clear();
    for (const call of calls) {
      this.stopRinging(call);
      this.publisher.toUser(call.caller, 'callEnded', { from: call.callee });
      this.publisher.toUser(call.callee, 'callEnded', { from: call.caller });
    }
    return { calls_ended: calls.length };
  }

  /** A timer callback: a registry that fails (Redis away, or closed at shutdown) must not become an unhandled rejection. */
  private timeOut(call: Call): void {
    this.ringTimedOut(call).catch((error: Error) => this.logger.warn(`ring timeout of call ${call.id} not applied: ${error.message}`));
  }

  /** Nobody answered in time: both sides are told, each hearing the other as `from`. */
  private async ringTimedOut(call: Call): Promise<void> {
    this.ringing.delete(call.id);
    const current = await this.calls.of(call.caller);
    // Answered (possibly on another instance) or already ended: nothing to time out.
    if (current?.id !== call.id || current.state !== 'ringing' || !(await this.calls.close(current))) return;
    this.publisher.toUser(call.caller, 'callEnded', { from: call.callee, reason: 'timeout' });
    this.publisher.toUser(call.callee, 'callEnded', { from: call.caller, reason: 'timeout' });
  }

  private rememberRejection(call: Call): void {
    const key = `${call.caller}>${call.callee}`;
    this.rejections.delete(key);
    this.rejections.set(key, Date.now());
    if (this.rejections.size > MAX_REMEMBERED_REJECTIONS) this.rejections.delete(this.rejections.keys().next().value!);
  }

  private recentlyRejected(caller: string, callee: string): boolean {
    const key = `${caller}>${callee}`;
    const at = this.rejections.get(key);
    if (at === undefined) return false;
    if (Date.now() - at < this.rejectedRecallMs) return true;
    this.rejections.delete(key);
    return false;
  }

  private async forget(call: Call): Promise<void> {
    this.stopRinging(call);
    await this.calls.close(call);
  }

  private stopRinging(call: Call): void {
    const ringing = this.ringing.get(call.id);
    if (!ringing) return;
    clearTimeout(ringing.timer);
    this.ringing.delete(call.id);
  }

  /** Ends the call because `gone` left it; the other party is told, once, by whichever instance ended it. */
  private async endFor(call: Call, gone: string[]): Promise<void> {
    this.stopRinging(call);
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
