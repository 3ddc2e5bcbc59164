import type { ConfigService } from '@nestjs/config';
import { performance } from 'node:perf_hooks';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { ErrorCode } from '../../common/errors/error-codes';
import type { Env } from '../../config/env.validation';
import type { ChannelJoin, ChannelsService } from '../channels/channels.service';
import type { ChannelType } from '../channels/schemas/channel.schema';
import type { MetricsRecorder } from '../metrics/metrics-recorder.service';
import type { MetricsSources } from '../metrics/metrics-sources.service';
import type { AudioMetricsSnapshot, ChannelClassAudio } from '../metrics/metrics.types';
import type { UserStatsService } from '../stats/user-stats.service';
import type { SocketLimits } from '../../common/websocket/socket-limits';
import { strictMock } from '../../../test/utils/strict-mock';
import { AudioConfig, DEFAULT_AUDIO_CONFIG } from './audio-config';
import type { AudioConfigService } from './audio-config.service';
import { VoiceLink } from './cluster/voice-link';
import type { AudioTotals } from './stats/channel-audio-stats';
import { VoiceService } from './voice.service';
import type { VoiceEvent, VoiceEventMap } from './voice.socket-events';
import type { AudioPacket, ChannelConnections, VoiceConnection, VoiceTransport, VoiceTransportName } from './voice.types';

const user = (id: string): UserPrincipal => ({ kind: 'user', userId: id, username: `name-${id}`, role: 'user', sessionId: `s-${id}` });
const ALICE = user('alice');
const BOB = user('bob');
const CAROL = user('carol');
const PING_MS = 5000;
const MAX_PACKET_BYTES = 200;

/** What a transport was asked to deliver, and to which of its own connections that would go. */
interface Delivery {
  event: VoiceEvent;
  payload: unknown;
  exceptUserId: string | null;
  to: string[];
}

/** A transport that records every call; `to` is what a real one would reach: its connections in the channel minus the excepted user's. */
class FakeTransport implements VoiceTransport {
  readonly delivered: Delivery[] = [];
  readonly relayed: { packet: AudioPacket; to: string[] }[] = [];
  readonly broadcast: { event: VoiceEvent; payload: unknown }[] = [];
  readonly pinged: string[] = [];
  readonly disconnected: string[] = [];

  constructor(readonly name: VoiceTransportName) {}

  toChannel<E extends VoiceEvent>(channel: ChannelConnections, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    this.delivered.push({ event, payload, exceptUserId, to: this.reached(channel, exceptUserId) });
  }

  relay(channel: ChannelConnections, packet: AudioPacket): number {
    this.relayed.push({ packet, to: this.reached(channel, packet.userId) });
    return 0;
  }

  toAll<E extends VoiceEvent>(event: E, payload: VoiceEventMap[E]): void {
    this.broadcast.push({ event, payload });
  }

  ping(connection: VoiceConnection): void {
    this.pinged.push(connection.id);
  }

  disconnect(connection: VoiceConnection): void {
    this.disconnected.push(connection.id);
  }

  forget(): void {
    for (const record of [this.delivered, this.relayed, this.broadcast, this.pinged, this.disconnected]) record.length = 0;
  }

  private reached(channel: ChannelConnections, exceptUserId: string | null): string[] {
    return [...channel.all].filter((c) => c.transport === this.name && c.principal.userId !== exceptUserId).map((c) => c.id);
  }
}

/** A link to other instances that records what the service hands it. */
class RecordingLink extends VoiceLink {
  readonly attached: string[] = [];
  readonly detached: string[] = [];
  readonly audio: AudioPacket[] = [];
  readonly events: { channelId: string; exceptUserId: string | null; event: VoiceEvent; payload: unknown }[] = [];
  attach(channelId: string): Promise<void> {
    this.attached.push(channelId);
    return Promise.resolve();
  }
  detach(channelId: string): void {
    this.detached.push(channelId);
  }
  publishAudio(packet: AudioPacket): void {
    this.audio.push(packet);
  }
  publishEvent<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    this.events.push({ channelId, exceptUserId, event, payload });
  }
  bind(): void {}
  channel(): Promise<AudioTotals[]> {
    return Promise.resolve([]);
  }
  all(): Promise<AudioTotals[]> {
    return Promise.resolve([]);
  }
}

const packet = (channelId: string, userId: string, seq = 0): AudioPacket => ({ channelId, userId, data: Buffer.alloc(8), seq, timestamp: Number.NaN });

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectAppError(error: unknown, code: ErrorCode, message: string): void {
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code, message });
}

describe('VoiceService', () => {
  let channelsJoin: jest.Mock<Promise<ChannelJoin>, [string, UserPrincipal, string]>;
  let channelsLeave: jest.Mock;
  let audioConfig: AudioConfig;
  let audioPacketRelayed: jest.Mock;
  let add: jest.Mock;
  let audioSource: () => AudioMetricsSnapshot;
  let audioByTypeSource: () => Promise<ChannelClassAudio[]>;
  let typesOf: jest.Mock<Promise<Map<string, ChannelType>>, [readonly string[]]>;
  let voice: FakeTransport;
  let ws: FakeTransport;
  let link: RecordingLink;
  let service: VoiceService;

  beforeEach(() => {
    jest.useFakeTimers();
    channelsJoin = jest.fn<Promise<ChannelJoin>, [string, UserPrincipal, string]>();
    channelsLeave = jest.fn().mockResolvedValue({ left: true, lastConnection: true });
    audioConfig = { ...DEFAULT_AUDIO_CONFIG, max_packet_bytes: MAX_PACKET_BYTES };
    audioPacketRelayed = jest.fn();
    add = jest.fn();
    typesOf = jest.fn<Promise<Map<string, ChannelType>>, [readonly string[]]>();
    const config = jest.fn((key: string) => {
      if (key === 'AUDIO_PING_INTERVAL_MS') return PING_MS;
      if (key === 'AUDIO_MAX_TRANSIT_JUMP_MS') return 5000;
      throw new Error(`unexpected config key ${key}`);
    });
    service = new VoiceService(
      strictMock<ChannelsService>({ join: channelsJoin, leave: channelsLeave, typesOf }, 'channels'),
      strictMock<AudioConfigService>({ get: jest.fn(() => audioConfig) }, 'audio config'),
      strictMock<MetricsRecorder>({ audioPacketRelayed }, 'metrics'),
      strictMock<MetricsSources>(
        {
          registerAudioSource: jest.fn((source: () => AudioMetricsSnapshot) => (audioSource = source)),
          registerAudioByChannelTypeSource: jest.fn((source: () => Promise<ChannelClassAudio[]>) => (audioByTypeSource = source)),
        },
        'metrics sources',
      ),
      strictMock<UserStatsService>({ add }, 'user stats'),
      strictMock<ConfigService<Env, true>>({ get: config }, 'config'),
      (link = new RecordingLink()),
      strictMock<SocketLimits>({ assign: jest.fn(), setAudioFrameRate: jest.fn() }, 'socket limits'),
    );
    voice = new FakeTransport('voice');
    ws = new FakeTransport('ws');
    service.registerTransport(voice);
    service.registerTransport(ws);
    service.onModuleInit();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const connect = (principal: UserPrincipal, transport: VoiceTransportName, id = `${principal.userId}-${transport}`) =>
    service.connect(transport, id, principal);

  /** The membership id the last channels.join was given. */
  const lastMembershipId = () => channelsJoin.mock.lastCall?.[2];

  /** Per connection, the membership id the channels module was given when it joined. */
  const membershipIds = new WeakMap<VoiceConnection, string>();
  const membershipIdOf = (connection: VoiceConnection) => {
    const id = membershipIds.get(connection);
    if (id === undefined) throw new Error(`${connection.id} never joined`);
    return id;
  };

  /** Joins with the channels module accepting; members default to the joiner alone. */
  const joinAccepted = async (connection: VoiceConnection, channelId: string, join: Partial<ChannelJoin> = {}) => {
    channelsJoin.mockResolvedValueOnce({ firstConnection: true, members: [connection.principal.userId], ...join });
    const joined = await service.join(connection, channelId);
    membershipIds.set(connection, lastMembershipId()!);
    return joined;
  };

  /** Membership as the relay sees it: a packet from a non-member is refused. */
  const expectNotMember = (connection: VoiceConnection, channelId: string) => {
    const relay = () => service.relay(connection, packet(channelId, connection.principal.userId), 10, performance.now());
    expectAppError(thrownBy(relay), 'PERMISSION_DENIED', 'Not a member of this channel');
  };

  /** Drops what the setup of a test recorded, so assertions see only the behaviour under test. */
  const forgetSetup = () => {
    voice.forget();
    ws.forget();
    for (const mock of [channelsJoin, channelsLeave, audioPacketRelayed, add]) mock.mockClear();
  };

  describe('connect', () => {
    it("counts every connection into the user's total_connections, on either transport", () => {
      connect(ALICE, 'voice');
      connect(ALICE, 'ws');
      expect(add.mock.calls).toEqual([
        ['alice', { total_connections: 1 }],
        ['alice', { total_connections: 1 }],
      ]);
    });
  });

  describe('join', () => {
    it('refuses a user_id other than the caller before asking the channels module', async () => {
      const alice = connect(ALICE, 'voice');
      expectAppError(await rejectionOf(service.join(alice, 'c1', 'bob')), 'PERMISSION_DENIED', 'user_id must be your own');
      expect(channelsJoin).not.toHaveBeenCalled();
      expect(alice.channels.size).toBe(0);
    });

    it("accepts the caller's own user_id", async () => {
      channelsJoin.mockResolvedValueOnce({ firstConnection: true, members: ['alice'] });
      expect(await service.join(connect(ALICE, 'voice'), 'c1', 'alice')).toEqual({ channel_id: 'c1', members: ['alice'] });
      expect(channelsJoin).toHaveBeenCalledWith('c1', ALICE, expect.any(String));
    });

    it('announces a first connection to the other members on each transport with connections there, counts it, and answers the members', async () => {
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(connect(CAROL, 'ws'), 'c1');
      forgetSetup();

      const joined = await joinAccepted(connect(ALICE, 'voice'), 'c1', { members: ['bob', 'carol', 'alice'] });

      expect(joined).toEqual({ channel_id: 'c1', members: ['bob', 'carol', 'alice'] });
      const announcement = { event: 'UserJoined', payload: { user_id: 'alice', channel_id: 'c1' }, exceptUserId: 'alice' };
      expect(voice.delivered).toEqual([{ ...announcement, to: ['bob-voice'] }]);
      expect(ws.delivered).toEqual([{ ...announcement, to: ['carol-ws'] }]);
      expect(add.mock.calls).toEqual([
        ['alice', { total_connections: 1 }],
        ['alice', { channels_joined: 1 }],
      ]);
    });

    it('does not call a transport that has no connection in the channel', async () => {
      await joinAccepted(connect(ALICE, 'ws'), 'other');
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      forgetSetup();

      await joinAccepted(connect(ALICE, 'voice'), 'c1', { members: ['bob', 'alice'] });

      expect(voice.delivered).toHaveLength(1);
      expect(ws.delivered).toEqual([]);
    });

    it('announces nothing and counts nothing for a second connection of the same user', async () => {
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(connect(ALICE, 'voice'), 'c1', { members: ['bob', 'alice'] });
      forgetSetup();

      const second = connect(ALICE, 'ws');
      expect(await joinAccepted(second, 'c1', { firstConnection: false, members: ['bob', 'alice'] })).toEqual({ channel_id: 'c1', members: ['bob', 'alice'] });

      expect(voice.delivered).toEqual([]);
      expect(ws.delivered).toEqual([]);
      // The connection itself counts (each connection does); joining with it does not.
      expect(add.mock.calls).toEqual([['alice', { total_connections: 1 }]]);
      expect([...second.channels.keys()]).toEqual(['c1']);
    });

    it.each(['CHANNEL_FULL', 'CHANNEL_NOT_FOUND'] as const)('propagates %s and leaves the delivery index as it was', async (code) => {
      const bob = connect(BOB, 'voice');
      await joinAccepted(bob, 'c1');
      forgetSetup();
      const refusal = new AppError(code);
      channelsJoin.mockRejectedValueOnce(refusal);
      const alice = connect(ALICE, 'voice');

      expect(await rejectionOf(service.join(alice, 'c1'))).toBe(refusal);

      expect(alice.channels.size).toBe(0);
      expect(audioSource()).toMatchObject({ active_channels: 1, active_users: 1 });
      expect(voice.delivered).toEqual([]);
      expect(add.mock.calls).toEqual([['alice', { total_connections: 1 }]]);
      service.relay(bob, packet('c1', 'bob'), 10, performance.now());
      expect(voice.relayed).toEqual([{ packet: packet('c1', 'bob'), to: [] }]);
    });

    it('undoes a join whose connection closed while the channels module answered, and rejects it', async () => {
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      forgetSetup();
      let accept!: (join: ChannelJoin) => void;
      channelsJoin.mockReturnValueOnce(new Promise<ChannelJoin>((resolve) => (accept = resolve)));
      const alice = connect(ALICE, 'voice');

      const joining = service.join(alice, 'c1');
      const membershipId = lastMembershipId();
      await service.disconnect(alice);
      accept({ firstConnection: true, members: ['bob', 'alice'] });

      expectAppError(await rejectionOf(joining), 'UNAUTHORIZED', 'Connection closed');
      expect(channelsLeave.mock.calls).toEqual([['c1', 'alice', membershipId]]);
      expect(alice.channels.size).toBe(0);
      expect(audioSource()).toMatchObject({ active_channels: 1, active_users: 1 });
      expect(voice.delivered).toEqual([]);
      expect(add.mock.calls).toEqual([['alice', { total_connections: 1 }]]);
    });

    it('gives the channels module distinct membership ids for a /voice and a /ws connection with the same transport id, and leaves with the same ones', async () => {
      const overVoice = connect(ALICE, 'voice', 'x1');
      const overWs = connect(ALICE, 'ws', 'x1');
      await joinAccepted(overVoice, 'c1');
      await joinAccepted(overWs, 'c1', { firstConnection: false, members: ['alice'] });

      expect(membershipIdOf(overVoice)).not.toBe(membershipIdOf(overWs));

      await service.leave(overVoice, 'c1');
      await service.leave(overWs, 'c1');
      expect(channelsLeave.mock.calls).toEqual([
        ['c1', 'alice', membershipIdOf(overVoice)],
        ['c1', 'alice', membershipIdOf(overWs)],
      ]);
    });
  });

  describe('leave', () => {
    it('refuses a channel the connection has not joined, without asking the channels module', async () => {
      expectAppError(await rejectionOf(service.leave(connect(ALICE, 'voice'), 'c1')), 'INVALID_INPUT', 'Not in this channel');
      expect(channelsLeave).not.toHaveBeenCalled();
    });

    it("announces the user's last connection leaving to the other members", async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(connect(CAROL, 'ws'), 'c1');
      forgetSetup();

      await service.leave(alice, 'c1');

      expect(channelsLeave.mock.calls).toEqual([['c1', 'alice', membershipIdOf(alice)]]);
      const announcement = { event: 'UserLeft', payload: { user_id: 'alice', channel_id: 'c1' }, exceptUserId: 'alice' };
      expect(voice.delivered).toEqual([{ ...announcement, to: ['bob-voice'] }]);
      expect(ws.delivered).toEqual([{ ...announcement, to: ['carol-ws'] }]);
      expect(alice.channels.size).toBe(0);
    });

    it('announces nothing while the user keeps another connection in the channel', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(ALICE, 'ws'), 'c1', { firstConnection: false });
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      forgetSetup();
      channelsLeave.mockResolvedValueOnce({ left: true, lastConnection: false });

      await service.leave(alice, 'c1');

      expect(voice.delivered).toEqual([]);
      expect(ws.delivered).toEqual([]);
    });

    it('leaves every joined channel on disconnect, once', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(alice, 'c2');
      await joinAccepted(connect(BOB, 'ws'), 'c1');
      await joinAccepted(connect(CAROL, 'ws'), 'c2');
      forgetSetup();

      await service.disconnect(alice);
      await service.disconnect(alice);

      expect(channelsLeave.mock.calls).toEqual([
        ['c1', 'alice', membershipIdOf(alice)],
        ['c2', 'alice', membershipIdOf(alice)],
      ]);
      expect(ws.delivered).toEqual([
        { event: 'UserLeft', payload: { user_id: 'alice', channel_id: 'c1' }, exceptUserId: 'alice', to: ['bob-ws'] },
        { event: 'UserLeft', payload: { user_id: 'alice', channel_id: 'c2' }, exceptUserId: 'alice', to: ['carol-ws'] },
      ]);
      expect(voice.delivered).toEqual([]);
      expectNotMember(alice, 'c1');
    });
  });

  describe('relay', () => {
    it('refuses a packet from a connection that has not joined the channel', async () => {
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'other');

      expectNotMember(alice, 'c1');
      expect(voice.relayed).toEqual([]);
      expect(audioPacketRelayed).not.toHaveBeenCalled();
    });

    it('refuses a packet larger than max_packet_bytes and relays one of exactly that size', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');

      expectAppError(
        thrownBy(() => service.relay(alice, packet('c1', 'alice'), MAX_PACKET_BYTES + 1, performance.now())),
        'PAYLOAD_TOO_LARGE',
        'Audio packet larger than max_packet_bytes',
      );
      expect(voice.relayed).toEqual([]);
      expect(audioPacketRelayed).not.toHaveBeenCalled();

      service.relay(alice, packet('c1', 'alice'), MAX_PACKET_BYTES, performance.now());
      expect(audioPacketRelayed).toHaveBeenCalledWith(MAX_PACKET_BYTES, 0, expect.any(Number), 0);
    });

    it('hands the packet only to transports with connections in the channel', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(connect(CAROL, 'ws'), 'other');

      service.relay(alice, packet('c1', 'alice'), 10, performance.now());

      expect(voice.relayed).toEqual([{ packet: packet('c1', 'alice'), to: ['bob-voice'] }]);
      expect(ws.relayed).toEqual([]);
    });

    it("counts recipients without the sender's own connections", async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(ALICE, 'ws'), 'c1', { firstConnection: false });
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(connect(CAROL, 'ws'), 'c1');

      service.relay(alice, packet('c1', 'alice'), 120, performance.now());

      expect(audioPacketRelayed.mock.calls).toEqual([[120, 2, expect.any(Number), 0]]);
      expect(voice.relayed).toEqual([{ packet: packet('c1', 'alice'), to: ['bob-voice'] }]);
      expect(ws.relayed).toEqual([{ packet: packet('c1', 'alice'), to: ['carol-ws'] }]);
    });

    it('shows relayed packets in the channel summary', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(connect(CAROL, 'ws'), 'c1');

      service.relay(alice, packet('c1', 'alice', 0), 100, performance.now());
      service.relay(alice, packet('c1', 'alice', 2), 50, performance.now());

      expect(service.channelSummary('c1')).toMatchObject({
        packets_received: 2,
        packets_sent: 4,
        bytes_transferred: 150 + 2 * 150,
        packet_loss_rate: 0.3333,
        active_streams: 1,
        average_latency_ms: null,
        jitter_ms: null,
      });
      expect(service.channelSummary('unrelated')).toMatchObject({ packets_received: 0, active_streams: 0, packet_loss_rate: null });
    });

    it('offers the metrics the audio figures per channel type, every type listed, a channel of unknown type left out', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(alice, 'c2');
      await joinAccepted(alice, 'gone');
      typesOf.mockResolvedValue(
        new Map<string, ChannelType>([
          ['c1', 'voice'],
          ['c2', 'voice'],
        ]),
      );

      service.relay(alice, packet('c1', 'alice', 0), 100, performance.now());
      service.relay(alice, packet('c1', 'alice', 1), 100, performance.now());
      service.relay(alice, packet('c2', 'alice', 0), 100, performance.now());
      service.relay(alice, packet('c2', 'alice', 2), 100, performance.now());
      service.relay(alice, packet('gone', 'alice', 0), 100, performance.now());
      service.relay(alice, packet('gone', 'alice', 9), 100, performance.now());

      const byType = await audioByTypeSource();

      expect(typesOf.mock.calls).toEqual([[['c1', 'c2', 'gone']]]);
      // Expected 2 + 3 packets, 1 lost: 1/5, over the voice channels only.
      expect(byType).toEqual([
        { channel_type: 'voice', packet_loss_rate: 0.2, jitter_ms: null, audio_quality_score: expect.any(Number) as unknown },
        { channel_type: 'text', packet_loss_rate: null, jitter_ms: null, audio_quality_score: null },
      ]);
    });

    it('averages the smoothed round-trip times of the channel connections', async () => {
      const alice = connect(ALICE, 'voice');
      const bob = connect(BOB, 'ws');
      await joinAccepted(alice, 'c1');
      await joinAccepted(bob, 'c1');

      service.recordRtt(alice, 40);
      service.recordRtt(alice, 80);
      service.recordRtt(bob, 15);

      // alice: 40 + (80 − 40) / 8 = 45
      expect(service.channelSummary('c1').average_latency_ms).toBe(30);
    });
  });

  describe('other instances', () => {
    it('links a channel on its first local member, publishes each packet and event once, and unlinks on the last leave', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(ALICE, 'ws'), 'c1', { firstConnection: false });
      expect(link.attached).toEqual(['c1', 'c1']);
      expect(link.events).toEqual([{ channelId: 'c1', exceptUserId: 'alice', event: 'UserJoined', payload: { user_id: 'alice', channel_id: 'c1' } }]);

      service.relay(alice, packet('c1', 'alice', 7), 10, performance.now());
      expect(link.audio).toEqual([packet('c1', 'alice', 7)]);

      await service.disconnect(alice);
      expect(link.detached).toEqual([]);
      await service.disconnect([...service['connections']][0]);
      expect(link.detached).toEqual(['c1']);
    });

    it("delivers a remote member's packet to this instance's members, counting the deliveries in the channel's figures", async () => {
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      await joinAccepted(connect(CAROL, 'ws'), 'c1');
      forgetSetup();

      service.remoteAudio(packet('c1', 'alice', 3), 100, performance.now());
      service.remoteAudio(packet('elsewhere', 'alice', 3), 100, performance.now());

      expect(voice.relayed).toEqual([{ packet: packet('c1', 'alice', 3), to: ['bob-voice'] }]);
      expect(ws.relayed).toEqual([{ packet: packet('c1', 'alice', 3), to: ['carol-ws'] }]);
      expect(audioPacketRelayed.mock.calls).toEqual([[100, 2, expect.any(Number), 0]]);
      // Deliveries here; the packet itself was received (and counted) on its sender's instance.
      expect(service.channelSummary('c1')).toMatchObject({ packets_received: 0, packets_sent: 2, bytes_transferred: 200 });
      expect(link.audio).toEqual([]);
    });

    it('tells local members of remote events without publishing them again, and forgets a channel deleted elsewhere', async () => {
      const bob = connect(BOB, 'voice');
      await joinAccepted(bob, 'c1');
      forgetSetup();
      link.events.length = 0;

      service.remoteEvent('c1', 'alice', 'UserJoined', { user_id: 'alice', channel_id: 'c1' });
      service.remoteEvent('c1', null, 'ChannelDeleted', { channel_id: 'c1' });

      expect(voice.delivered.map(({ event, to }) => [event, to])).toEqual([
        ['UserJoined', ['bob-voice']],
        ['ChannelDeleted', ['bob-voice']],
      ]);
      expect(link.events).toEqual([]);
      expect(link.detached).toEqual(['c1']);
      expectNotMember(bob, 'c1');
    });

    it('tells the members that users of a dead instance left', async () => {
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      forgetSetup();
      link.events.length = 0;

      service.membersReleased({ released: [{ channel_id: 'c1', user_id: 'alice' }] });

      expect(voice.delivered).toEqual([{ event: 'UserLeft', payload: { user_id: 'alice', channel_id: 'c1' }, exceptUserId: null, to: ['bob-voice'] }]);
      expect(link.events).toEqual([{ channelId: 'c1', exceptUserId: null, event: 'UserLeft', payload: { user_id: 'alice', channel_id: 'c1' } }]);
    });
  });

  describe('channel deleted', () => {
    it('tells every member UserLeft for each member, then ChannelDeleted, then detaches the channel', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(BOB, 'ws'), 'c1');
      forgetSetup();

      service.channelDeleted({ channel_id: 'c1', members: ['alice', 'bob'] });

      const told = (to: string[]) => [
        { event: 'UserLeft', payload: { user_id: 'alice', channel_id: 'c1' }, exceptUserId: null, to },
        { event: 'UserLeft', payload: { user_id: 'bob', channel_id: 'c1' }, exceptUserId: null, to },
        { event: 'ChannelDeleted', payload: { channel_id: 'c1' }, exceptUserId: null, to },
      ];
      expect(voice.delivered).toEqual(told(['alice-voice']));
      expect(ws.delivered).toEqual(told(['bob-ws']));
      expectNotMember(alice, 'c1');
      expect(audioSource()).toMatchObject({ active_channels: 0, active_users: 0 });
    });

    it('does not leave the deleted channel again when a former member disconnects', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      forgetSetup();

      service.channelDeleted({ channel_id: 'c1', members: ['alice'] });
      await service.disconnect(alice);

      expect(channelsLeave).not.toHaveBeenCalled();
    });
  });

  it('sends a changed audio config to every transport', () => {
    const config = { ...DEFAULT_AUDIO_CONFIG, sample_rate: 16000 };
    service.configChanged({ config });

    expect(voice.broadcast).toEqual([{ event: 'AudioConfigChanged', payload: { config } }]);
    expect(ws.broadcast).toEqual([{ event: 'AudioConfigChanged', payload: { config } }]);
  });

  it('pings every connection through its own transport', () => {
    connect(ALICE, 'voice');
    connect(BOB, 'ws');

    jest.advanceTimersByTime(PING_MS);

    expect(voice.pinged).toEqual(['alice-voice']);
    expect(ws.pinged).toEqual(['bob-ws']);
  });

  describe('reset', () => {
    it('disconnects every connection through its transport, leaves their channels and answers the counts', async () => {
      const alice = connect(ALICE, 'voice');
      const bob = connect(BOB, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(bob, 'c1');
      connect(CAROL, 'ws');
      service.relay(alice, packet('c1', 'alice'), 10, performance.now());
      forgetSetup();

      expect(await service.reset()).toEqual({ voice_connections_closed: 3, audio_channel_stats_cleared: 1 });

      expect(voice.disconnected).toEqual(['alice-voice', 'bob-voice']);
      expect(ws.disconnected).toEqual(['carol-ws']);
      expect(channelsLeave.mock.calls).toEqual([
        ['c1', 'alice', membershipIdOf(alice)],
        ['c1', 'bob', membershipIdOf(bob)],
      ]);
      expect(service.channelSummary('c1').packets_received).toBe(0);
      expect(await service.reset()).toEqual({ voice_connections_closed: 0, audio_channel_stats_cleared: 0 });
    });
  });

  describe('per-user audio counters', () => {
    it('flushes what each sender sent since the last flush, every second', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      await joinAccepted(connect(BOB, 'voice'), 'c1');
      forgetSetup();

      service.relay(alice, packet('c1', 'alice', 0), 100, performance.now());
      service.relay(alice, packet('c1', 'alice', 1), 100, performance.now());
      jest.advanceTimersByTime(1000);
      expect(add.mock.calls).toEqual([['alice', { audio_packets_sent: 2, audio_bytes_sent: 200 }]]);

      service.relay(alice, packet('c1', 'alice', 2), 50, performance.now());
      jest.advanceTimersByTime(1000);
      expect(add.mock.calls).toEqual([
        ['alice', { audio_packets_sent: 2, audio_bytes_sent: 200 }],
        ['alice', { audio_packets_sent: 1, audio_bytes_sent: 50 }],
      ]);

      jest.advanceTimersByTime(1000);
      expect(add).toHaveBeenCalledTimes(2);
    });

    it('flushes the rest on destroy and stops the timers', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      forgetSetup();
      service.relay(alice, packet('c1', 'alice'), 30, performance.now());

      service.onModuleDestroy();
      expect(add.mock.calls).toEqual([['alice', { audio_packets_sent: 1, audio_bytes_sent: 30 }]]);

      service.relay(alice, packet('c1', 'alice', 1), 30, performance.now());
      jest.advanceTimersByTime(PING_MS);
      expect(add).toHaveBeenCalledTimes(1);
      expect(voice.pinged).toEqual([]);
    });

    it('flushes a deleted channel before forgetting its statistics', async () => {
      const alice = connect(ALICE, 'voice');
      await joinAccepted(alice, 'c1');
      forgetSetup();
      service.relay(alice, packet('c1', 'alice'), 30, performance.now());

      service.channelDeleted({ channel_id: 'c1', members: ['alice'] });

      expect(add.mock.calls).toEqual([['alice', { audio_packets_sent: 1, audio_bytes_sent: 30 }]]);
      jest.advanceTimersByTime(1000);
      expect(add).toHaveBeenCalledTimes(1);
    });
  });
});
