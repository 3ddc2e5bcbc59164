import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { RealtimePublisher } from '../../common/websocket/realtime.publisher';
import type { PresenceService } from '../realtime/presence/presence.service';
import type { UserStatsService } from '../stats/user-stats.service';
import type { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';
import { strictMock } from '../../../test/utils/strict-mock';
import { SignalingService } from './signaling.service';

const user = (id: string): UserPrincipal => ({ kind: 'user', userId: id, username: `name-${id}`, role: 'user', sessionId: `s-${id}` });
const ALICE = user('alice');
const BOB = user('bob');
const CAROL = user('carol');
const RING_TIMEOUT_S = 45;
const OFFER = { type: 'offer', sdp: 'v=0' };
const ANSWER = { type: 'answer', sdp: 'v=0' };

describe('SignalingService', () => {
  let online: Set<string>;
  let toUser: jest.Mock;
  let add: jest.Mock;
  let service: SignalingService;

  beforeEach(() => {
    online = new Set(['alice', 'bob', 'carol']);
    toUser = jest.fn();
    add = jest.fn();
    service = new SignalingService(
      strictMock<PresenceService>({ connectionCount: jest.fn((id: string) => Promise.resolve(online.has(id) ? 1 : 0)) }, 'presence'),
      strictMock<RealtimePublisher>({ toUser }, 'publisher'),
      strictMock<UserStatsService>({ add }, 'stats'),
      strictMock<ConfigService<Env, true>>({ get: jest.fn(() => RING_TIMEOUT_S) }, 'config'),
    );
  });

  const denied = (fn: () => unknown, message: string) => {
    expect(fn).toThrow(new AppError('PERMISSION_DENIED', message));
  };

  it('rings the callee with the caller identity and counts the call', async () => {
    expect(await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER })).toBe('ringing');
    expect(toUser).toHaveBeenCalledWith('bob', 'incomingCall', { from: 'alice', username: 'name-alice', signalData: OFFER });
    expect(add).toHaveBeenCalledWith('alice', { calls_made: 1 });
  });

  it('reports an offline callee without ringing anyone', async () => {
    online.delete('bob');
    expect(await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER })).toBe('offline');
    expect(toUser).not.toHaveBeenCalled();
    expect(add).not.toHaveBeenCalled();
  });

  it('refuses calling oneself and calling while in a call', async () => {
    await expect(service.callUser(ALICE, 'sa', { targetUserId: 'alice', signalData: OFFER })).rejects.toEqual(
      new AppError('INVALID_INPUT', 'Cannot call yourself'),
    );
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    await expect(service.callUser(ALICE, 'sa', { targetUserId: 'carol', signalData: OFFER })).rejects.toEqual(
      new AppError('PERMISSION_DENIED', 'Already in a call; end it first'),
    );
  });

  it('answers busy when the callee is in a call, ringing or active', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    expect(await service.callUser(CAROL, 'sc', { targetUserId: 'bob', signalData: OFFER })).toBe('busy');
    expect(await service.callUser(CAROL, 'sc', { targetUserId: 'alice', signalData: OFFER })).toBe('busy');
    expect(toUser).toHaveBeenCalledTimes(1);
  });

  it('lets only the callee of a ringing call answer it, then relays candidates both ways', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    denied(() => service.answerCall(CAROL, 'sc', { targetUserId: 'alice', signalData: ANSWER }), 'No incoming call from this user');
    denied(() => service.answerCall(ALICE, 'sa', { targetUserId: 'bob', signalData: ANSWER }), 'No incoming call from this user');
    service.iceCandidate(ALICE, { targetUserId: 'bob', candidate: { candidate: 'early' } });

    service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER });
    expect(toUser).toHaveBeenCalledWith('alice', 'callAccepted', { from: 'bob', signalData: ANSWER });
    denied(() => service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER }), 'No incoming call from this user');

    service.iceCandidate(BOB, { targetUserId: 'alice', candidate: { candidate: 'c1' } });
    expect(toUser).toHaveBeenCalledWith('bob', 'iceCandidate', { from: 'alice', candidate: { candidate: 'early' } });
    expect(toUser).toHaveBeenCalledWith('alice', 'iceCandidate', { from: 'bob', candidate: { candidate: 'c1' } });
    denied(() => service.iceCandidate(CAROL, { targetUserId: 'alice', candidate: {} }), 'No call with this user');
    denied(() => service.iceCandidate(ALICE, { targetUserId: 'carol', candidate: {} }), 'No call with this user');
  });

  it('lets the callee reject a ringing call, after which the parties are free', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    denied(() => service.rejectCall(ALICE, { targetUserId: 'bob' }), 'No incoming call from this user');
    service.rejectCall(BOB, { targetUserId: 'alice' });
    expect(toUser).toHaveBeenLastCalledWith('alice', 'callRejected', { from: 'bob' });
    expect(await service.callUser(CAROL, 'sc', { targetUserId: 'bob', signalData: OFFER })).toBe('ringing');
  });

  it('lets either party end the call, and nobody else', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER });
    denied(() => service.endCall(CAROL, { targetUserId: 'alice' }), 'No call with this user');
    service.endCall(BOB, { targetUserId: 'alice' });
    expect(toUser).toHaveBeenLastCalledWith('alice', 'callEnded', { from: 'bob' });
    denied(() => service.endCall(ALICE, { targetUserId: 'bob' }), 'No call with this user');
  });

  it('ends a call when the socket holding it goes, not when another socket of the party goes', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER });
    toUser.mockClear();
    service.socketClosed({ userId: 'bob', socketId: 'other-tab', lastConnection: false });
    expect(toUser).not.toHaveBeenCalled();
    service.socketClosed({ userId: 'bob', socketId: 'sb', lastConnection: false });
    expect(toUser).toHaveBeenCalledWith('alice', 'callEnded', { from: 'bob' });
    expect(await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER })).toBe('ringing');
  });

  it('ends a ringing call when the callee has no socket left', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    toUser.mockClear();
    service.socketClosed({ userId: 'bob', socketId: 'sb1', lastConnection: false });
    expect(toUser).not.toHaveBeenCalled();
    service.socketClosed({ userId: 'bob', socketId: 'sb2', lastConnection: true });
    expect(toUser).toHaveBeenCalledWith('alice', 'callEnded', { from: 'bob' });
  });

  it('ends every call on admin reset, telling both parties', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    toUser.mockClear();
    expect(service.reset()).toEqual({ calls_ended: 1 });
    expect(toUser.mock.calls).toEqual([
      ['alice', 'callEnded', { from: 'bob' }],
      ['bob', 'callEnded', { from: 'alice' }],
    ]);
    expect(service.reset()).toEqual({ calls_ended: 0 });
  });
});
