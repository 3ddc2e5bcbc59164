import type { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { InstanceLiveness } from '../../../common/cluster/instance-liveness';
import { RedisConnections } from '../../../common/redis/redis-connections';
import type { Env } from '../../../config/env.validation';
import { startRedisServer, RedisServer } from '../../../../test/utils/redis-server';
import { eventually } from '../../../../test/utils/eventually';
import { emptyTotals } from '../stats/channel-audio-stats';
import type { VoiceEvent, VoiceEventMap } from '../voice.socket-events';
import type { AudioPacket } from '../voice.types';
import { RedisVoiceLink } from './redis-voice-link';
import type { VoiceLinkReceiver } from './voice-link';

/** Records what another instance sent. */
class Received implements VoiceLinkReceiver {
  readonly audio: { packet: AudioPacket; bytes: number }[] = [];
  readonly events: { channelId: string; exceptUserId: string | null; event: VoiceEvent; payload: unknown }[] = [];
  remoteAudio(packet: AudioPacket, bytes: number): void {
    this.audio.push({ packet, bytes });
  }
  remoteEvent<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    this.events.push({ channelId, exceptUserId, event, payload });
  }
}

/** Against a real redis-server: two links stand for two instances. */
describe('RedisVoiceLink', () => {
  let server: RedisServer;
  const owned: RedisConnections[] = [];
  const links: RedisVoiceLink[] = [];

  function instance(incarnation: string, peers: () => string[]): { link: RedisVoiceLink; received: Received } {
    const connections = new RedisConnections({ get: () => server.url } as unknown as ConfigService<Env, true>);
    owned.push(connections);
    const liveness = { incarnation, onPeerDeath: jest.fn(), peers: () => Promise.resolve(peers()) } as unknown as InstanceLiveness;
    const link = new RedisVoiceLink(connections, liveness);
    links.push(link);
    const received = new Received();
    const totals = emptyTotals();
    totals.packetsReceived = incarnation.length;
    link.bind(received, () => ({ all: totals, channels: new Map([['c1', totals]]) }));
    link.onModuleInit();
    return { link, received };
  }

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(() => {
    for (const link of links.splice(0)) link.onApplicationShutdown();
    for (const connections of owned.splice(0)) connections.onApplicationShutdown();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('carries binary and base64 audio byte-exact and in order, only to instances with members, and events always', async () => {
    const channelId = randomUUID();
    const userId = randomUUID();
    const a = instance('a#1', () => ['b#1']);
    const b = instance('b#1', () => ['a#1']);
    await a.link.attach(channelId);
    // B has no members yet: A publishes no audio (had it, B would receive it once subscribed, and the count below would be off).
    a.link.publishAudio({ channelId, userId, data: Buffer.from([1, 2, 3]), seq: 0, timestamp: 5 }, 3);
    await b.link.attach(channelId);
    // Events always go out; B hears them once subscribed. A learns of B from B's hello.
    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.from([i, 255 - i, i * 3, 0, 7]));
    await eventually(async () => {
      a.link.publishEvent(channelId, userId, 'UserJoined', { user_id: userId, channel_id: channelId });
      expect(b.received.events.length).toBeGreaterThan(0);
      return Promise.resolve();
    });
    await eventually(() => {
      expect((a.link as unknown as { remotes: Map<string, Set<string>> }).remotes.get(channelId)).toEqual(new Set(['b#1']));
      return Promise.resolve();
    });
    payloads.forEach((data, seq) => a.link.publishAudio({ channelId, userId, data, seq, timestamp: 1000 + seq }, data.length));
    a.link.publishAudio({ channelId, userId, data: 'AAEC', seq: -1, timestamp: Number.NaN }, 3);
    await eventually(() => {
      expect(b.received.audio).toHaveLength(51);
      return Promise.resolve();
    });
    expect(b.received.audio.slice(0, 50).map(({ packet }) => [packet.seq, packet.timestamp, Buffer.from(packet.data as Buffer).toString('hex')])).toEqual(
      payloads.map((data, seq) => [seq, 1000 + seq, data.toString('hex')]),
    );
    expect(b.received.audio[0].packet).toMatchObject({ channelId, userId });
    expect(b.received.audio[50]).toEqual({ packet: { channelId, userId, data: 'AAEC', seq: -1, timestamp: Number.NaN }, bytes: 3 });
    expect(b.received.events[0]).toEqual({ channelId, exceptUserId: userId, event: 'UserJoined', payload: { user_id: userId, channel_id: channelId } });
    // Nothing of its own comes back to A.
    expect(a.received.audio).toEqual([]);

    // B leaves: A stops publishing (B would drop it anyway, being unsubscribed).
    b.link.detach(channelId);
    await eventually(() => {
      expect((a.link as unknown as { remotes: Map<string, Set<string>> }).remotes.get(channelId)?.size ?? 0).toBe(0);
      return Promise.resolve();
    });
  });

  it("reads the other instances' audio totals", async () => {
    const a = instance('a#1', () => ['bb#1']);
    instance('bb#1', () => ['a#1']);
    await eventually(async () => {
      expect((await a.link.channel('c1')).map((totals) => totals.packetsReceived)).toEqual([4]);
      expect((await a.link.all()).map((totals) => totals.packetsReceived)).toEqual([4]);
    }, 5000);
  });
});
