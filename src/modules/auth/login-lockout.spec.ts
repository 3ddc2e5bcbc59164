import { InMemoryLoginLockout, LockoutSettings } from './login-lockout';

const settings: LockoutSettings = { perAddress: 3, global: 5, windowMs: 60_000, durationMs: 120_000 };

describe('InMemoryLoginLockout', () => {
  const t0 = 1_000_000;
  let lockout: InMemoryLoginLockout;

  beforeEach(() => {
    lockout = new InMemoryLoginLockout(settings);
  });

  it('locks a name, case-insensitively, for the address that failed N times inside the window, and only for it', async () => {
    expect(await lockout.recordFailure('Alice', '10.0.0.1', t0)).toBe(0);
    expect(await lockout.recordFailure('alice', '10.0.0.1', t0 + 1000)).toBe(0);
    expect(await lockout.retryAfter('ALICE', '10.0.0.1', t0 + 1000)).toBe(0);
    expect(await lockout.recordFailure('aLiCe', '10.0.0.1', t0 + 2000)).toBe(120);
    expect(await lockout.retryAfter('alice', '10.0.0.1', t0 + 2000)).toBe(120);
    expect(await lockout.retryAfter('alice', '10.0.0.1', t0 + 2000 + 119_001)).toBe(1);
    expect(await lockout.retryAfter('alice', '10.0.0.1', t0 + 2000 + 120_000)).toBe(0);
    // The owner, elsewhere, is not locked out by a stranger's guesses.
    expect(await lockout.retryAfter('alice', '10.0.0.2', t0 + 2000)).toBe(0);
    expect(await lockout.retryAfter('bob', '10.0.0.1', t0 + 2000)).toBe(0);
  });

  it('locks the name everywhere once failures from all addresses reach the global ceiling', async () => {
    for (const [i, ip] of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].entries()) {
      expect(await lockout.recordFailure('alice', ip, t0 + i)).toBe(0);
    }
    expect(await lockout.retryAfter('alice', '10.9.9.9', t0 + 10)).toBe(0);
    expect(await lockout.recordFailure('alice', '10.0.0.5', t0 + 10)).toBe(120);
    expect(await lockout.retryAfter('alice', '10.9.9.9', t0 + 10)).toBe(120);
  });

  it('does not count failures older than the window', async () => {
    await lockout.recordFailure('alice', 'a', t0);
    await lockout.recordFailure('alice', 'a', t0 + 1000);
    expect(await lockout.recordFailure('alice', 'a', t0 + 61_000)).toBe(0);
    expect(await lockout.retryAfter('alice', 'a', t0 + 61_000)).toBe(0);
  });

  it("forgets the address's failures on reset (a successful login), not the global count", async () => {
    await lockout.recordFailure('alice', 'a', t0);
    await lockout.recordFailure('alice', 'a', t0);
    await lockout.reset('Alice', 'a');
    expect(await lockout.recordFailure('alice', 'a', t0)).toBe(0);
    expect(await lockout.recordFailure('alice', 'a', t0)).toBe(0);
    // 5 failures in all reach the global ceiling although the address was reset.
    expect(await lockout.recordFailure('alice', 'b', t0)).toBe(120);
  });
});
