import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { RealtimePublisher } from '../../common/websocket/realtime.publisher';
import type { PresenceService } from '../realtime/presence/presence.service';
import type { UserStatsService } from '../stats/user-stats.service';
import type { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';
import { strictMock } from '../../../test/utils/strict-mock';
import { Redis } from 'ioredis';
import { startRedisServer, RedisServer } from '../../../test/utils/redis-server';
import { CallRegistry, InMemoryCallRegistry } from './call-registry';
import { RedisCallRegistry } from './redis-call-registry';
import { SignalingService } from './signaling.service';

const user = (id: string): UserPrincipal => ({ kind: 'user', userId: id, username: `name-${id}`, role: 'user', sessionId: `s-${id}` });
const ALICE = user('alice');
const BOB = user('bob');
const CAROL = user('carol');
const RING_TIMEOUT_S = 45;
const OFFER = { type: 'offer', sdp: 'v=0' };
const ANSWER = { type: 'answer', sdp: 'v=0' };

let redisServer: RedisServer;
let redis: Redis;
beforeAll(async () => {
  redisServer = await startRedisServer();
  redis = new Redis(redisServer.url);
});
afterAll(async () => {
  redis?.disconnect();
  await redisServer?.close();
});

/** The same rules over the in-memory registry and over the Redis one (a real redis-server) that instances share. */
describe.each([
  ['in memory', (): CallRegistry => new InMemoryCallRegistry()],
  ['in Redis', (): CallRegistry => new RedisCallRegistry(redis, 'i0#1')],
])('SignalingService with calls %s', (_, registry) => {
  let online: Set<string>;
  let toUser: jest.Mock;
  let add: jest.Mock;
  let calls: CallRegistry;
  let service: SignalingService;

  beforeEach(async () => {
    await redis.flushall();
    online = new Set(['alice', 'bob', 'carol']);
    toUser = jest.fn();
    add = jest.fn();
    calls = registry();
    service = new SignalingService(
      calls,
      strictMock<PresenceService>({ connectionCount: jest.fn((id: string) => Promise.resolve(online.has(id) ? 1 : 0)) }, 'presence'),
      strictMock<RealtimePublisher>({ toUser }, 'publisher'),
      strictMock<UserStatsService>({ add }, 'stats'),
      strictMock<ConfigService<Env, true>>({ get: jest.fn(() => RING_TIMEOUT_S) }, 'config'),
    );
  });

  const denied = async (fn: () => Promise<unknown>, message: string) => {
    await expect(fn()).rejects.toEqual(new AppError('PERMISSION_DENIED', message));
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
    await denied(() => service.answerCall(CAROL, 'sc', { targetUserId: 'alice', signalData: ANSWER }), 'No incoming call from this user');
    await denied(() => service.answerCall(ALICE, 'sa', { targetUserId: 'bob', signalData: ANSWER }), 'No incoming call from this user');
    await service.iceCandidate(ALICE, { targetUserId: 'bob', candidate: { candidate: 'early' } });

    await service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER });
    expect(toUser).toHaveBeenCalledWith('alice', 'callAccepted', { from: 'bob', signalData: ANSWER });
    await denied(() => service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER }), 'No incoming call from this user');

    await service.iceCandidate(BOB, { targetUserId: 'alice', candidate: { candidate: 'c1' } });
    expect(toUser).toHaveBeenCalledWith('bob', 'iceCandidate', { from: 'alice', candidate: { candidate: 'early' } });
    expect(toUser).toHaveBeenCalledWith('alice', 'iceCandidate', { from: 'bob', candidate: { candidate: 'c1' } });
    await denied(() => service.iceCandidate(CAROL, { targetUserId: 'alice', candidate: {} }), 'No call with this user');
    await denied(() => service.iceCandidate(ALICE, { targetUserId: 'carol', candidate: {} }), 'No call with this user');
  });

  it('lets the callee reject a ringing call, after which the parties are free', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    await denied(() => service.rejectCall(ALICE, { targetUserId: 'bob' }), 'No incoming call from this user');
    await service.rejectCall(BOB, { targetUserId: 'alice' });
    expect(toUser).toHaveBeenLastCalledWith('alice', 'callRejected', { from: 'bob' });
    expect(await service.callUser(CAROL, 'sc', { targetUserId: 'bob', signalData: OFFER })).toBe('ringing');
  });

  it('lets either party end the call, and nobody else', async () => {
    expect(await calls.count()).toBe(0);
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    expect(await calls.count()).toBe(1);
    await service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER });
    expect(await calls.count()).toBe(1);
    await denied(() => service.endCall(CAROL, { targetUserId: 'alice' }), 'No call with this user');
    await service.endCall(BOB, { targetUserId: 'alice' });
    expect(await calls.count()).toBe(0);
    expect(toUser).toHaveBeenLastCalledWith('alice', 'callEnded', { from: 'bob' });
    await denied(() => service.endCall(ALICE, { targetUserId: 'bob' }), 'No call with this user');
  });

  it('ends a call when the socket holding it goes, not when another socket of the party goes', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    await service.answerCall(BOB, 'sb', { targetUserId: 'alice', signalData: ANSWER });
    toUser.mockClear();
    await service.socketClosed({ userId: 'bob', socketId: 'other-tab', lastConnection: false });
    expect(toUser).not.toHaveBeenCalled();
    await service.socketClosed({ userId: 'bob', socketId: 'sb', lastConnection: false });
    expect(toUser).toHaveBeenCalledWith('alice', 'callEnded', { from: 'bob' });
    expect(await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER })).toBe('ringing');
  });

  it('ends a ringing call when the callee has no socket left', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    toUser.mockClear();
    await service.socketClosed({ userId: 'bob', socketId: 'sb1', lastConnection: false });
    expect(toUser).not.toHaveBeenCalled();
    await service.socketClosed({ userId: 'bob', socketId: 'sb2', lastConnection: true });
    expect(toUser).toHaveBeenCalledWith('alice', 'callEnded', { from: 'bob' });
  });

  it('ends every call on admin reset, telling both parties', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    toUser.mockClear();
    expect(await service.reset()).toEqual({ calls_ended: 1 });
    expect(await calls.count()).toBe(0);
    expect(toUser.mock.calls).toEqual([
      ['alice', 'callEnded', { from: 'bob' }],
      ['bob', 'callEnded', { from: 'alice' }],
    ]);
    expect(await service.reset()).toEqual({ calls_ended: 0 });
  });

  it('rings one of two callers racing for the same free callee', async () => {
    const outcomes = await Promise.all([
      service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER }),
      service.callUser(CAROL, 'sc', { targetUserId: 'bob', signalData: OFFER }),
    ]);
    expect(outcomes.sort()).toEqual(['busy', 'ringing']);
    expect(toUser).toHaveBeenCalledTimes(1);
  });

  it('ends the call of a user whose instance died, telling the other party', async () => {
    await service.callUser(ALICE, 'sa', { targetUserId: 'bob', signalData: OFFER });
    toUser.mockClear();
    await service.departed({ userIds: ['bob', 'carol'] });
    expect(toUser.mock.calls).toEqual([['alice', 'callEnded', { from: 'bob' }]]);
    expect(await service.callUser(CAROL, 'sc', { targetUserId: 'alice', signalData: OFFER })).toBe('ringing');
  });
});

describe('RedisCallRegistry', () => {
  beforeEach(async () => {
    await redis.flushall();
  });

  it("releases the calls held by a dead instance's sockets once, naming the parties it lost", async () => {
    const dead = new RedisCallRegistry(redis, 'dead#1');
    const alive = new RedisCallRegistry(redis, 'alive#1');
    const placed = await dead.open({ caller: 'alice', callee: 'bob', callerSocket: 'sa' });
    await alive.open({ caller: 'carol', callee: 'dave', callerSocket: 'sc' });
    await dead.answer('dave', 'carol', 'sd');
    await alive.open({ caller: 'erin', callee: 'frank', callerSocket: 'se' });
    expect(await alive.count()).toBe(3);
    const [first, second] = await Promise.all([alive.releaseInstance('dead#1'), alive.releaseInstance('dead#1')]);
    const released = [...first, ...second].sort((x, y) => x.call.caller.localeCompare(y.call.caller));
    expect(released).toEqual([
      { call: { ...(placed.status === 'opened' ? placed.call : {}), state: 'ringing', calleeSocket: null }, lostParties: ['alice'] },
      { call: expect.objectContaining({ caller: 'carol', callee: 'dave', state: 'active', calleeSocket: 'sd' }) as unknown, lostParties: ['dave'] },
    ]);
    expect(await alive.of('alice')).toBeUndefined();
    expect(await alive.of('dave')).toBeUndefined();
    expect(await alive.of('erin')).toMatchObject({ caller: 'erin', callee: 'frank', state: 'ringing' });
    expect(await alive.count()).toBe(1);
    expect((await alive.clear()).map((call) => call.caller)).toEqual(['erin']);
    expect(await alive.of('frank')).toBeUndefined();
  });

  it('writes its calls back after Redis lost its data, each instance its own side, and forgets calls others ended', async () => {
    const a = new RedisCallRegistry(redis, 'a#1');
    const b = new RedisCallRegistry(redis, 'b#1');
    expect(await a.heal()).toBe(false);
    expect(await b.heal()).toBe(false);
    const opened = await a.open({ caller: 'alice', callee: 'bob', callerSocket: 'sa' });
    await b.answer('bob', 'alice', 'sb');
    await a.open({ caller: 'carol', callee: 'dave', callerSocket: 'sc' });

    await redis.flushall(); // a Redis that restarted empty
    expect(await b.heal()).toBe(true);
    expect(await a.heal()).toBe(true);
    const restored = await a.of('bob');
    expect(restored).toEqual({ ...(opened.status === 'opened' ? opened.call : {}), state: 'active', calleeSocket: 'sb' });
    expect(await b.between('alice', 'bob')).toEqual(restored);
    expect(await a.of('dave')).toMatchObject({ caller: 'carol', state: 'ringing' });
    // Its sides are listed again: a death of either instance releases the call.
    expect((await b.releaseInstance('b#1')).map(({ call, lostParties }) => [call.caller, lostParties])).toEqual([['alice', ['bob']]]);

    // The other instance ended the carol–dave call (Redis kept its data): forgotten here, not written back.
    await b.close((await b.of('carol'))!);
    expect(await a.heal()).toBe(true);
    expect(await a.heal()).toBe(false);
    expect(await a.of('carol')).toBeUndefined();
  });
});
