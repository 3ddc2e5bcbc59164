import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';
import { OffenderCooldown } from './offender-cooldown';
import { KeyedRateLimiter, TokenBucket } from './rate-limit';
import { RefusalPacer } from './refusal-pacer';

/** Inbound events are limited per connection by class; an event no feature assigned is `messaging`. */
export type EventClass = 'signaling' | 'messaging' | 'audio';

/** A persistent offender is one with this many refused events within one window. */
const REFUSAL_WINDOW_MS = 10_000;
/**
 * A connection this many events, and this long of its rate, ahead of its rate in any class has its messages handed
 * over one per turn of the event loop from then on (paceMessages): what it sends in one read no longer runs in one
 * go while others wait. Only a client sending faster than its rate gets there, however high the rate is set.
 */
const PACE_AFTER_EVENTS = 8;
const PACE_AFTER_S = 0.1;
/** A socket at this many times its cap is dropped at once, without waiting for the grace period. */
const HARD_CAP_FACTOR = 4;

interface Rate {
  perSecond: number;
  burst: number;
}

/**
 * The realtime limits every connection (Socket.IO and /ws) lives under: the
 * outgoing buffer cap and its grace period, inbound event rates per class, and
 * the per-IP handshake budget. Feature modules say which of their events are
 * signaling or audio, and the audio module sets the audio rate from its config.
 */
@Injectable()
export class SocketLimits {
  readonly outboundCapBytes: number;
  /** Over this, a socket is dropped at once. */
  readonly outboundHardCapBytes: number;
  readonly slowGraceMs: number;
  readonly maxRefusals: number;
  /** New handshakes per client IP (Socket.IO and /ws share one budget). */
  readonly handshakes: KeyedRateLimiter;
  /** Holds the answers to handshakes over that budget. */
  readonly handshakeRefusals: RefusalPacer;
  /** Sessions disconnected as persistent offenders, whose new connections wait (Socket.IO and /ws alike). */
  readonly offenders: OffenderCooldown;
  private readonly classes = new Map<string, EventClass>();
  private readonly rates: Record<EventClass, Rate>;
  private readonly audioRateFactor: number;
  /** Bumped when a rate changes, so live connections retune their buckets. */
  version = 0;

  constructor(config: ConfigService<Env, true>) {
    this.outboundCapBytes = config.get('SOCKET_OUTBOUND_CAP_BYTES', { infer: true });
    this.outboundHardCapBytes = this.outboundCapBytes * HARD_CAP_FACTOR;
    this.slowGraceMs = config.get('SOCKET_SLOW_GRACE_MS', { infer: true });
    this.maxRefusals = config.get('SOCKET_MAX_REFUSALS', { infer: true });
    this.audioRateFactor = config.get('SOCKET_AUDIO_RATE_FACTOR', { infer: true });
    this.rates = {
      signaling: { perSecond: config.get('SOCKET_SIGNALING_RATE', { infer: true }), burst: config.get('SOCKET_SIGNALING_BURST', { infer: true }) },
      messaging: { perSecond: config.get('SOCKET_MESSAGING_RATE', { infer: true }), burst: config.get('SOCKET_MESSAGING_BURST', { infer: true }) },
      // 20 ms frames until the audio module tells its configured rate.
      audio: { perSecond: 50 * this.audioRateFactor, burst: 50 * this.audioRateFactor },
    };
    this.handshakes = new KeyedRateLimiter(config.get('HANDSHAKE_RATE_PER_IP', { infer: true }), config.get('HANDSHAKE_BURST_PER_IP', { infer: true }));
    this.handshakeRefusals = new RefusalPacer(config.get('HANDSHAKE_REFUSAL_DELAY_MS', { infer: true }));
    this.offenders = new OffenderCooldown(config.get('SOCKET_OFFENDER_COOLDOWN_MS', { infer: true }));
  }

  /** Declares the class of a feature's events (by name, on every namespace and on /ws). */
  assign(events: Iterable<string>, eventClass: EventClass): void {
    for (const event of events) this.classes.set(event, eventClass);
  }

  classOf(event: string): EventClass {
    return this.classes.get(event) ?? 'messaging';
  }

  /** Audio packets a connection may send: the frame rate times the configured factor, a second's worth as burst. */
  setAudioFrameRate(framesPerSecond: number): void {
    const perSecond = Math.ceil(framesPerSecond * this.audioRateFactor);
    this.rates.audio = { perSecond, burst: perSecond };
    this.version++;
  }

  rateOf(eventClass: EventClass): Readonly<Rate> {
    return this.rates[eventClass];
  }

  /** A fresh limiter for one connection. */
  forConnection(): ConnectionLimiter {
    return new ConnectionLimiter(this);
  }
}

/**
 * What becomes of one inbound event: `pace` accepts it and tells the caller to pace the connection's reading from now
 * on (said once); `ignore` once the connection was told to go (events already in flight behind the last straw).
 */
export type Admission = 'accept' | 'pace' | 'refuse' | 'disconnect' | 'ignore';

/** One connection's inbound budget: a bucket per event class, and its refusals in the current window. */
export class ConnectionLimiter {
  private readonly buckets: Partial<Record<EventClass, TokenBucket>> = {};
  private version: number;
  private refusals = 0;
  private windowStart = 0;
  private done = false;
  private paced = false;

  constructor(private readonly limits: SocketLimits) {
    this.version = limits.version;
  }

  admit(eventClass: EventClass, now: number): Admission {
    if (this.done) return 'ignore';
    if (this.version !== this.limits.version) this.retune();
    let bucket = this.buckets[eventClass];
    if (!bucket) {
      const { perSecond, burst } = this.limits.rateOf(eventClass);
      bucket = this.buckets[eventClass] = new TokenBucket(perSecond, burst, now);
    }
    if (bucket.take(now)) {
      if (this.paced || !bucket.isAhead(PACE_AFTER_EVENTS, PACE_AFTER_S)) return 'accept';
      this.paced = true;
      return 'pace';
    }
    this.paced = true;
    if (now - this.windowStart > REFUSAL_WINDOW_MS) {
      this.windowStart = now;
      this.refusals = 0;
    }
    if (++this.refusals < this.limits.maxRefusals) return 'refuse';
    this.done = true;
    return 'disconnect';
  }

  private retune(): void {
    this.version = this.limits.version;
    for (const [eventClass, bucket] of Object.entries(this.buckets) as [EventClass, TokenBucket][]) {
      const { perSecond, burst } = this.limits.rateOf(eventClass);
      bucket.retune(perSecond, burst);
    }
  }
}

/**
 * Tracks how long a connection has been over its outgoing cap: `slow` once it
 * stayed over for the grace period or reached the hard cap, at which point the
 * caller disconnects it.
 */
export class CongestionClock {
  private overSince = 0;

  constructor(private readonly limits: SocketLimits) {}

  /** `bufferedBytes` now; true when the connection must be dropped. */
  isSlow(bufferedBytes: number, now: number): boolean {
    if (bufferedBytes <= this.limits.outboundCapBytes) {
      this.overSince = 0;
      return false;
    }
    if (bufferedBytes > this.limits.outboundHardCapBytes) return true;
    if (this.overSince === 0) this.overSince = now;
    return now - this.overSince >= this.limits.slowGraceMs;
  }
}
