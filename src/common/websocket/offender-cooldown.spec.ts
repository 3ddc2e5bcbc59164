import { OffenderCooldown } from './offender-cooldown';

describe('OffenderCooldown', () => {
  it('refuses a punished key until its cooldown has passed, then forgets it', () => {
    const cooldown = new OffenderCooldown(10_000);
    expect(cooldown.retryAfterMs('s1', 0)).toBe(0);
    cooldown.punish('s1', 1_000);
    expect(cooldown.retryAfterMs('s1', 1_000)).toBe(10_000);
    expect(cooldown.retryAfterMs('s1', 10_999.5)).toBe(1);
    expect(cooldown.retryAfterMs('s2', 2_000)).toBe(0);
    expect(cooldown.retryAfterMs('s1', 11_000)).toBe(0);
    expect(cooldown.size).toBe(0);
  });

  it('restarts the cooldown of a key punished again', () => {
    const cooldown = new OffenderCooldown(10_000);
    cooldown.punish('s1', 0);
    cooldown.punish('s1', 5_000);
    expect(cooldown.retryAfterMs('s1', 12_000)).toBe(3_000);
  });

  it('holds at most maxKeys entries: expired ones go first, then the oldest', () => {
    const cooldown = new OffenderCooldown(10_000, 3);
    cooldown.punish('a', 0);
    cooldown.punish('b', 1_000);
    cooldown.punish('c', 20_000);
    // a and b expired by 21,000: both go, c stays.
    cooldown.punish('d', 21_000);
    expect(cooldown.size).toBe(2);
    cooldown.punish('e', 22_000);
    // Full with c, d, e all live: the oldest (c) goes.
    cooldown.punish('f', 23_000);
    expect(cooldown.size).toBe(3);
    expect(cooldown.retryAfterMs('c', 23_000)).toBe(0);
    expect(cooldown.retryAfterMs('d', 23_000)).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) cooldown.punish(`k${i}`, 24_000 + i);
    expect(cooldown.size).toBe(3);
  });

  it('does nothing with a cooldown of 0', () => {
    const cooldown = new OffenderCooldown(0);
    cooldown.punish('s1', 0);
    expect(cooldown.retryAfterMs('s1', 0)).toBe(0);
    expect(cooldown.size).toBe(0);
  });
});
