import type { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';
import { validateEnv } from '../../config/env.validation';
import { CongestionClock, SocketLimits } from './socket-limits';

function limits(overrides: Record<string, string> = {}): SocketLimits {
  const env = validateEnv({ JWT_SECRET: 'x'.repeat(32), ...overrides });
  return new SocketLimits({ get: (key: keyof Env) => env[key] } as unknown as ConfigService<Env, true>);
}

describe('SocketLimits', () => {
  it('classes events by what features declared, messaging otherwise', () => {
    const socketLimits = limits();
    socketLimits.assign(['callUser'], 'signaling');
    expect(socketLimits.classOf('callUser')).toBe('signaling');
    expect(socketLimits.classOf('whatever')).toBe('messaging');
  });

  it('refuses past the burst per class, then disconnects after SOCKET_MAX_REFUSALS refusals, then ignores', () => {
    const connection = limits({ SOCKET_MESSAGING_BURST: '2', SOCKET_MESSAGING_RATE: '1', SOCKET_MAX_REFUSALS: '3' }).forConnection();
    expect([connection.admit('messaging', 0), connection.admit('messaging', 0)]).toEqual(['accept', 'accept']);
    expect(connection.admit('audio', 0)).toBe('accept');
    expect([connection.admit('messaging', 0), connection.admit('messaging', 0)]).toEqual(['refuse', 'refuse']);
    expect(connection.admit('messaging', 1000)).toBe('accept');
    expect(connection.admit('messaging', 1000)).toBe('disconnect');
    expect(connection.admit('audio', 5000)).toBe('ignore');
  });

  it('says once to pace a connection that runs eight events (and 100 ms of its rate) ahead of its rate', () => {
    const connection = limits({ SOCKET_SIGNALING_BURST: '60', SOCKET_SIGNALING_RATE: '20' }).forConnection();
    const first = Array.from({ length: 7 }, () => connection.admit('signaling', 0));
    expect(first).toEqual(Array(7).fill('accept'));
    expect(connection.admit('signaling', 0)).toBe('pace');
    expect(connection.admit('signaling', 0)).toBe('accept');
    // A client within its rate is never paced.
    const steady = limits({ SOCKET_SIGNALING_BURST: '60', SOCKET_SIGNALING_RATE: '20' }).forConnection();
    expect(Array.from({ length: 100 }, (_, i) => steady.admit('signaling', i * 50))).not.toContain('pace');
    // Nor one whose rate is set far above what it sends: 100 events within a millisecond are not 100 ms of 1,000,000/s.
    const lifted = limits({ SOCKET_SIGNALING_BURST: '1000000', SOCKET_SIGNALING_RATE: '1000000' }).forConnection();
    expect(Array.from({ length: 100 }, () => lifted.admit('signaling', 0))).not.toContain('pace');
  });

  it('follows the audio frame rate for live connections', () => {
    const socketLimits = limits({ SOCKET_AUDIO_RATE_FACTOR: '1' });
    socketLimits.setAudioFrameRate(2);
    const connection = socketLimits.forConnection();
    expect([connection.admit('audio', 0), connection.admit('audio', 0), connection.admit('audio', 0)]).toEqual(['accept', 'accept', 'refuse']);
    socketLimits.setAudioFrameRate(50);
    expect(connection.admit('audio', 100)).toBe('accept');
    expect(socketLimits.rateOf('audio')).toEqual({ perSecond: 50, burst: 50 });
  });

  it('calls a connection slow once it stayed over its cap for the grace period, or went past four times the cap', () => {
    const socketLimits = limits({ SOCKET_OUTBOUND_CAP_BYTES: String(64 * 1024), SOCKET_SLOW_GRACE_MS: '1000' });
    const clock = new CongestionClock(socketLimits);
    expect(clock.isSlow(64 * 1024 + 1, 100)).toBe(false);
    expect(clock.isSlow(64 * 1024 + 1, 1099)).toBe(false);
    expect(clock.isSlow(0, 1100)).toBe(false);
    expect(clock.isSlow(64 * 1024 + 1, 1200)).toBe(false);
    expect(clock.isSlow(64 * 1024 + 1, 2200)).toBe(true);
    expect(new CongestionClock(socketLimits).isSlow(4 * 64 * 1024 + 1, 1)).toBe(true);
  });
});
