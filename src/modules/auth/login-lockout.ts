import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';

/** The lockout rules, from LOGIN_LOCKOUT_*. */
export interface LockoutSettings {
  /** Failures from one client IP that lock the name for that IP. */
  perAddress: number;
  /** Failures from all addresses together that lock the name everywhere. */
  global: number;
  windowMs: number;
  durationMs: number;
}

export function lockoutSettings(config: ConfigService<Env, true>): LockoutSettings {
  return {
    perAddress: config.get('LOGIN_LOCKOUT_ATTEMPTS', { infer: true }),
    global: config.get('LOGIN_LOCKOUT_GLOBAL_ATTEMPTS', { infer: true }),
    windowMs: config.get('LOGIN_LOCKOUT_WINDOW_S', { infer: true }) * 1000,
    durationMs: config.get('LOGIN_LOCKOUT_DURATION_S', { infer: true }) * 1000,
  };
}

/**
 * Failed-login lockout, checked before any bcrypt work. A name is locked for
 * one client IP after `perAddress` failures from it, so a stranger guessing
 * cannot lock the owner out from elsewhere; and for everyone after `global`
 * failures from all addresses, which caps a distributed guess. Keyed by the
 * lower-cased name whether or not such a user exists, so the answer reveals
 * nothing. The in-memory implementation serves one process; the Redis one
 * shares the counts between instances.
 */
export abstract class LoginLockout {
  /** Seconds until this name may try again from this address; 0 when it may now. */
  abstract retryAfter(username: string, ip: string): Promise<number>;
  /** Records a failure; returns the lock in seconds when this failure locked the name, else 0. */
  abstract recordFailure(username: string, ip: string): Promise<number>;
  /** A successful login from this address forgets its failures (not the global count: that one only decays). */
  abstract reset(username: string, ip: string): Promise<void>;
}

interface Attempts {
  /** Times (epoch ms) of the failures inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
}

const PRUNE_INTERVAL_MS = 60_000;
/** Bounds the counters of one process; the oldest go first (each is at most a window of failures). */
const MAX_ENTRIES = 100_000;

/** The lockout of one process, over sliding windows. */
@Injectable()
export class InMemoryLoginLockout extends LoginLockout implements OnModuleInit, OnApplicationShutdown {
  private readonly attempts = new Map<string, Attempts>();
  private pruner?: NodeJS.Timeout;

  constructor(private readonly settings: LockoutSettings) {
    super();
  }

  onModuleInit(): void {
    this.pruner = setInterval(() => this.prune(Date.now()), PRUNE_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruner);
  }

  async retryAfter(username: string, ip: string, now = Date.now()): Promise<number> {
    const until = Math.max(this.lockedUntil(pairKey(username, ip)), this.lockedUntil(globalKey(username)));
    return until > now ? Math.ceil((until - now) / 1000) : 0;
  }

  async recordFailure(username: string, ip: string, now = Date.now()): Promise<number> {
    const pair = this.count(pairKey(username, ip), this.settings.perAddress, now);
    const global = this.count(globalKey(username), this.settings.global, now);
    return pair || global ? Math.ceil(this.settings.durationMs / 1000) : 0;
  }

  async reset(username: string, ip: string): Promise<void> {
    this.attempts.delete(pairKey(username, ip));
  }

  private lockedUntil(key: string): number {
    return this.attempts.get(key)?.lockedUntil ?? 0;
  }

  /** Adds a failure under `key`; true when it reached `max` and locked. */
  private count(key: string, max: number, now: number): boolean {
    let entry = this.attempts.get(key);
    if (!entry) {
      if (this.attempts.size >= MAX_ENTRIES) this.attempts.delete(this.attempts.keys().next().value as string);
      this.attempts.set(key, (entry = { failures: [], lockedUntil: 0 }));
    }
    entry.failures = entry.failures.filter((at) => at > now - this.settings.windowMs);
    entry.failures.push(now);
    if (entry.failures.length < max) return false;
    entry.failures = [];
    entry.lockedUntil = now + this.settings.durationMs;
    return true;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.attempts) {
      if (entry.lockedUntil <= now && entry.failures.every((at) => at <= now - this.settings.windowMs)) this.attempts.delete(key);
    }
  }
}

export function pairKey(username: string, ip: string): string {
  return `${username.toLowerCase()}|${ip}`;
}

export function globalKey(username: string): string {
  return username.toLowerCase();
}
