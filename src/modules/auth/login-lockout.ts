import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';

interface Attempts {
  /** Times (epoch ms) of the failures inside the window, oldest first. */
  failures: number[];
  lockedUntil: number;
}

const PRUNE_INTERVAL_MS = 60_000;

/**
 * Per-username failed-login lockout: LOGIN_LOCKOUT_ATTEMPTS failures within
 * LOGIN_LOCKOUT_WINDOW_S lock the name for LOGIN_LOCKOUT_DURATION_S. Keyed by the
 * lower-cased name whether or not such a user exists, so the answer reveals
 * nothing. Checked before any bcrypt work. In memory, per instance; a Redis
 * implementation of the same three methods makes it cluster-wide.
 */
@Injectable()
export class LoginLockout implements OnModuleInit, OnApplicationShutdown {
  private readonly attempts = new Map<string, Attempts>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly durationMs: number;
  private pruner?: NodeJS.Timeout;

  constructor(config: ConfigService<Env, true>) {
    this.maxFailures = config.get('LOGIN_LOCKOUT_ATTEMPTS', { infer: true });
    this.windowMs = config.get('LOGIN_LOCKOUT_WINDOW_S', { infer: true }) * 1000;
    this.durationMs = config.get('LOGIN_LOCKOUT_DURATION_S', { infer: true }) * 1000;
  }

  onModuleInit(): void {
    this.pruner = setInterval(() => this.prune(Date.now()), PRUNE_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruner);
  }

  /** Seconds until the name may try again; 0 when it is not locked. */
  retryAfter(username: string, now = Date.now()): number {
    const entry = this.attempts.get(username.toLowerCase());
    return entry && entry.lockedUntil > now ? Math.ceil((entry.lockedUntil - now) / 1000) : 0;
  }

  /** Records a failure; returns the lock in seconds when this failure locked the name, else 0. */
  recordFailure(username: string, now = Date.now()): number {
    const key = username.toLowerCase();
    let entry = this.attempts.get(key);
    if (!entry) this.attempts.set(key, (entry = { failures: [], lockedUntil: 0 }));
    entry.failures = entry.failures.filter((at) => at > now - this.windowMs);
    entry.failures.push(now);
    if (entry.failures.length < this.maxFailures) return 0;
    entry.failures = [];
    entry.lockedUntil = now + this.durationMs;
    return Math.ceil(this.durationMs / 1000);
  }

  reset(username: string): void {
    this.attempts.delete(username.toLowerCase());
  }

  private prune(now: number): void {
    for (const [key, entry] of this.attempts) {
      if (entry.lockedUntil <= now && entry.failures.every((at) => at <= now - this.windowMs)) this.attempts.delete(key);
    }
  }
}
