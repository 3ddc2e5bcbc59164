import type { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';
import { LoginLockout } from './login-lockout';

const settings: Partial<Env> = { LOGIN_LOCKOUT_ATTEMPTS: 3, LOGIN_LOCKOUT_WINDOW_S: 60, LOGIN_LOCKOUT_DURATION_S: 120 };
const config = { get: (name: keyof Env) => settings[name] } as unknown as ConfigService<Env, true>;

describe('LoginLockout', () => {
  const t0 = 1_000_000;
  let lockout: LoginLockout;

  beforeEach(() => {
    lockout = new LoginLockout(config);
  });

  it('locks a name, case-insensitively, after N failures inside the window', () => {
    expect(lockout.recordFailure('Alice', t0)).toBe(0);
    expect(lockout.recordFailure('alice', t0 + 1000)).toBe(0);
    expect(lockout.retryAfter('ALICE', t0 + 1000)).toBe(0);
    expect(lockout.recordFailure('aLiCe', t0 + 2000)).toBe(120);
    expect(lockout.retryAfter('alice', t0 + 2000)).toBe(120);
    expect(lockout.retryAfter('alice', t0 + 2000 + 119_001)).toBe(1);
    expect(lockout.retryAfter('alice', t0 + 2000 + 120_000)).toBe(0);
    expect(lockout.retryAfter('bob', t0 + 2000)).toBe(0);
  });

  it('does not count failures older than the window', () => {
    lockout.recordFailure('alice', t0);
    lockout.recordFailure('alice', t0 + 1000);
    expect(lockout.recordFailure('alice', t0 + 61_000)).toBe(0);
    expect(lockout.retryAfter('alice', t0 + 61_000)).toBe(0);
  });

  it('forgets failures on reset (a successful login)', () => {
    lockout.recordFailure('alice', t0);
    lockout.recordFailure('alice', t0);
    lockout.reset('Alice');
    expect(lockout.recordFailure('alice', t0)).toBe(0);
  });
});
