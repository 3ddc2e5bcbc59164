import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import type { InstanceLiveness } from '../../../common/cluster/instance-liveness';
import type { RedisConnections } from '../../../common/redis/redis-connections';
import type { AudioTotals } from '../stats/channel-audio-stats';
import type { VoiceEvent, VoiceEventMap } from '../voice.socket-events';
import type { AudioPacket } from '../voice.types';
import { bytesToUuid, uuidToBytes } from '../ws-binary';
import { VoiceLink, VoiceLinkReceiver } from './voice-link';

const CHANNEL_PREFIX = 'voice:';
const STATS_PREFIX = 'voice:stats:';
/** Each instance writes its audio totals this often; they expire if it stops (a dead instance's figures go with it). */
const STATS_EVERY_MS = 1_000;
const STATS_TTL_MS = 5_000;
const ALL_CHANNELS = '*';

/**
 * Frames on `voice:<channel>`, binary, one publish per frame:
 *   0  u8   kind
 *   1  u8   n = length of the sender's incarnation
 *   2  n B  the sender's incarnation (ASCII)
 * audio (kind 1 binary data, 2 base64 text data), after that:
 *      16 B user id, u8 flags (1 seq, 2 timestamp), u32 seq, f64 timestamp, u32 audio bytes, then the data as received
 * event (kind 3): UTF-8 JSON {event, payload, except}
 * hello (4: "I have members here, who else?"), here (5: the answer), gone (6): nothing more
 */
const KIND_AUDIO_BINARY = 1;
const KIND_AUDIO_TEXT = 2;
const KIND_EVENT = 3;
const KIND_HELLO = 4;
const KIND_HERE = 5;
const KIND_GONE = 6;
const AUDIO_HEADER_BYTES = 16 + 1 + 4 + 8 + 4;
const FLAG_SEQ = 1;
const FLAG_TIMESTAMP = 2;

const ignore = (): void => undefined;

/**
 * Voice between instances over Redis pub/sub. An instance subscribes to a
 * channel's topic only while it has members there, so it receives audio only
 * for those channels. Audio crosses as one binary publish per packet whatever
 * the number of instances and recipients, the data bytes as they arrived (no
 * JSON, no base64 round trip), on one publishing connection, so a sender's
 * packets keep their order. A packet is published only when another instance
 * has members in the channel: instances announce themselves on the topic
 * (hello / here / gone), and a dead instance is forgotten through liveness.
 * Channel events (UserJoined, UserLeft, ChannelDeleted) always go out: they
 * are rare and may come from an instance without members (a deletion, a
 * dead instance's release).
 */
export class RedisVoiceLink extends VoiceLink implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisVoiceLink.name);
  private readonly origin: Buffer;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private receiver?: VoiceLinkReceiver;
  private localTotals?: () => { all: AudioTotals; channels: Map<string, AudioTotals> };
  /** Channels this instance is subscribed to (or subscribing), with the subscription under way. */
  private readonly attached = new Map<string, Promise<void>>();
  /** Per channel, the other instances with members there. */
  private readonly remotes = new Map<string, Set<string>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnections,
    private readonly liveness: InstanceLiveness,
  ) {
    super();
    this.origin = Buffer.from(liveness.incarnation, 'latin1');
    if (this.origin.length > 255) throw new Error('instance incarnation longer than 255 bytes');
    // Audio must not queue up while Redis is away: a packet that cannot go now is lost, as on any network.
    this.publisher = redis.dedicated('voice-publish', { offlineQueue: false });
    this.subscriber = redis.dedicated('voice-subscribe');
    this.subscriber.on('messageBuffer', (topic: Buffer, frame: Buffer) => this.received(topic, frame));
    // Back after an outage: ioredis re-subscribed; ask again who is where (Redis forgot nothing it kept, but we may have missed a gone).
    this.subscriber.on('ready', () => {
      for (const channelId of this.attached.keys()) this.send(channelId, this.control(KIND_HELLO));
    });
  }

  onModuleInit(): void {
    this.liveness.onPeerDeath((incarnation) => {
      for (const instances of this.remotes.values()) instances.delete(incarnation);
      return Promise.resolve();
    });
    this.timer = setInterval(() => void this.writeTotals(), STATS_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  bind(receiver: VoiceLinkReceiver, totals: () => { all: AudioTotals; channels: Map<string, AudioTotals> }): void {
    this.receiver = receiver;
    this.localTotals = totals;
  }

  attach(channelId: string): Promise<void> {
    let attaching = this.attached.get(channelId);
    if (!attaching) {
      attaching = this.subscriber
        .subscribe(CHANNEL_PREFIX + channelId)
        .then(() => this.publisher.publish(CHANNEL_PREFIX + channelId, this.control(KIND_HELLO)))
        .then(ignore, (error: Error) => this.logger.warn(`voice channel ${channelId} not linked to other instances: ${error.message}`));
      this.attached.set(channelId, attaching);
    }
    return attaching;
  }

  detach(channelId: string): void {
    if (!this.attached.delete(channelId)) return;
    this.remotes.delete(channelId);
    this.send(channelId, this.control(KIND_GONE));
    this.subscriber.unsubscribe(CHANNEL_PREFIX + channelId).catch(ignore);
  }

  publishAudio(packet: AudioPacket, bytes: number): void {
    if (!this.remotes.get(packet.channelId)?.size) return;
    const text = typeof packet.data === 'string';
    const dataBytes = text ? Buffer.byteLength(packet.data, 'latin1') : (packet.data as Buffer).length;
    const at = 2 + this.origin.length;
    const frame = Buffer.allocUnsafe(at + AUDIO_HEADER_BYTES + dataBytes);
    frame[0] = text ? KIND_AUDIO_TEXT : KIND_AUDIO_BINARY;
    frame[1] = this.origin.length;
    this.origin.copy(frame, 2);
    uuidToBytes(packet.userId, frame, at);
    frame[at + 16] = (packet.seq >= 0 ? FLAG_SEQ : 0) | (packet.timestamp === packet.timestamp ? FLAG_TIMESTAMP : 0);
    frame.writeUInt32BE(packet.seq >= 0 ? packet.seq : 0, at + 17);
    frame.writeDoubleBE(packet.timestamp === packet.timestamp ? packet.timestamp : 0, at + 21);
    frame.writeUInt32BE(bytes, at + 29);
    if (text) frame.write(packet.data as string, at + AUDIO_HEADER_BYTES, 'latin1');
    else (packet.data as Buffer).copy(frame, at + AUDIO_HEADER_BYTES);
    this.send(packet.channelId, frame);
  }

  publishEvent<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    const json = Buffer.from(JSON.stringify({ event, payload, except: exceptUserId }), 'utf8');
    const frame = this.control(KIND_EVENT, json.length);
    json.copy(frame, 2 + this.origin.length);
    this.send(channelId, frame);
  }

  async channel(channelId: string): Promise<AudioTotals[]> {
    return this.readTotals(channelId);
  }

  async all(): Promise<AudioTotals[]> {
    return this.readTotals(ALL_CHANNELS);
  }

  private received(topic: Buffer, frame: Buffer): void {
    const arrival = performance.now();
    if (frame.length < 2 || frame.length < 2 + frame[1]) return;
    const originLength = frame[1];
    if (originLength === this.origin.length && frame.compare(this.origin, 0, originLength, 2, 2 + originLength) === 0) return;
    const channelId = topic.toString('latin1', CHANNEL_PREFIX.length);
    const at = 2 + originLength;
    try {
      switch (frame[0]) {
        case KIND_AUDIO_BINARY:
        case KIND_AUDIO_TEXT: {
          if (frame.length < at + AUDIO_HEADER_BYTES || !this.attached.has(channelId)) return;
          const flags = frame[at + 16];
          const body = frame.subarray(at + AUDIO_HEADER_BYTES);
          const packet: AudioPacket = {
            channelId,
            userId: bytesToUuid(frame, at),
            data: frame[0] === KIND_AUDIO_TEXT ? body.toString('latin1') : body,
            seq: flags & FLAG_SEQ ? frame.readUInt32BE(at + 17) : -1,
            timestamp: flags & FLAG_TIMESTAMP ? frame.readDoubleBE(at + 21) : Number.NaN,
          };
          this.receiver?.remoteAudio(packet, frame.readUInt32BE(at + 29), arrival);
          return;
        }
        case KIND_EVENT: {
          const { event, payload, except } = JSON.parse(frame.toString('utf8', at)) as {
            event: VoiceEvent;
            payload: VoiceEventMap[VoiceEvent];
            except: string | null;
          };
          this.receiver?.remoteEvent(channelId, except, event, payload);
          return;
        }
        case KIND_HELLO:
        case KIND_HERE:
          if (!this.attached.has(channelId)) return;
          this.remotesOf(channelId).add(frame.toString('latin1', 2, at));
          if (frame[0] === KIND_HELLO) this.send(channelId, this.control(KIND_HERE));
          return;
        case KIND_GONE:
          this.remotes.get(channelId)?.delete(frame.toString('latin1', 2, at));
          return;
      }
    } catch (error) {
      this.logger.error({ err: error, channelId }, 'voice frame from another instance dropped');
    }
  }

  private remotesOf(channelId: string): Set<string> {
    let instances = this.remotes.get(channelId);
    if (!instances) {
      instances = new Set();
      this.remotes.set(channelId, instances);
    }
    return instances;
  }

  /** A frame of `kind` carrying this instance's incarnation and room for `extra` bytes. */
  private control(kind: number, extra = 0): Buffer {
    const frame = Buffer.allocUnsafe(2 + this.origin.length + extra);
    frame[0] = kind;
    frame[1] = this.origin.length;
    this.origin.copy(frame, 2);
    return frame;
  }

  private send(channelId: string, frame: Buffer): void {
    this.publisher.publish(CHANNEL_PREFIX + channelId, frame).catch(ignore);
  }

  /** This instance's totals, per channel and overall, under its incarnation (a hash that expires with it). */
  private async writeTotals(): Promise<void> {
    if (!this.localTotals) return;
    const { all, channels } = this.localTotals();
    const key = STATS_PREFIX + this.liveness.incarnation;
    const fields: Record<string, string> = { [ALL_CHANNELS]: JSON.stringify(all) };
    for (const [channelId, totals] of channels) fields[channelId] = JSON.stringify(totals);
    try {
      await this.redis.commands.multi().del(key).hset(key, fields).pexpire(key, STATS_TTL_MS).exec();
    } catch {
      // Redis away: the others see this instance's last figures until they expire.
    }
  }

  private async readTotals(field: string): Promise<AudioTotals[]> {
    const peers = await this.liveness.peers();
    if (peers.length === 0) return [];
    const pipeline = this.redis.commands.pipeline();
    for (const incarnation of peers) pipeline.hget(STATS_PREFIX + incarnation, field);
    const results = (await pipeline.exec()) ?? [];
    const totals: AudioTotals[] = [];
    for (const [error, value] of results) {
      if (!error && typeof value === 'string') totals.push(JSON.parse(value) as AudioTotals);
    }
    return totals;
  }
}
