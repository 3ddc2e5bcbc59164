import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import { performance } from 'node:perf_hooks';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { ADMIN_EVENTS, AdminOperationCounts } from '../../common/events/admin.events';
import { SocketLimits } from '../../common/websocket/socket-limits';
import type { Env } from '../../config/env.validation';
import { CHANNEL_EVENTS, ChannelDeletedEvent, ChannelMembersReleasedEvent } from '../channels/channels.events';
import { ChannelsService } from '../channels/channels.service';
import { CHANNEL_TYPES, ChannelType } from '../channels/schemas/channel.schema';
import { MetricsRecorder } from '../metrics/metrics-recorder.service';
import { MetricsSources } from '../metrics/metrics-sources.service';
import type { AudioMetricsSnapshot, ChannelClassAudio } from '../metrics/metrics.types';
import { UserStatsService } from '../stats/user-stats.service';
import { AudioConfigService } from './audio-config.service';
import { AUDIO_EVENTS, AudioConfigChangedEvent } from './audio.events';
import { VoiceLink, VoiceLinkReceiver } from './cluster/voice-link';
import { accumulate, addTotals, AudioSummary, AudioTotals, ChannelAudioStats, emptyTotals, finish } from './stats/channel-audio-stats';
import type { StreamStats } from './stats/stream-stats';
import type { JoinedChannel, VoiceEvent, VoiceEventMap } from './voice.socket-events';
import type { AudioPacket, ChannelConnections, VoiceConnection, VoiceTransport, VoiceTransportName } from './voice.types';

/** Per-user audio counters reach UserStatsService this often (it batches to the database itself). */
const USER_STATS_FLUSH_MS = 1000;
/** SRTT smoothing of TCP (RFC 6298): new = old + (sample − old) / 8. */
const RTT_GAIN = 1 / 8;

/**
 * Voice channels at runtime: who is connected on /voice and /ws, joins and
 * leaves (membership and capacity are the channels module's; this service
 * keeps the local delivery index derived from what it accepted), the audio
 * relay and its measurements. Transports (the /voice gateway, the /ws
 * protocol) register themselves; this service never imports them. Members on
 * other instances are reached through the VoiceLink: packets and channel
 * events go out to it, and come in from it as if from a transport.
 */
@Injectable()
export class VoiceService implements OnModuleInit, OnModuleDestroy, VoiceLinkReceiver {
  private readonly logger = new Logger(VoiceService.name);
  private transports: VoiceTransport[] = [];
  private readonly connections = new Set<VoiceConnection>();
  private readonly local = new Map<string, ChannelConnections>();
  private readonly stats = new Map<string, ChannelAudioStats>();
  /** Per stream, what was already handed to UserStatsService. */
  private readonly flushed = new WeakMap<StreamStats, { packets: number; bytes: number }>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly channels: ChannelsService,
    private readonly audioConfig: AudioConfigService,
    private readonly metrics: MetricsRecorder,
    private readonly metricsSources: MetricsSources,
    private readonly userStats: UserStatsService,
    private readonly config: ConfigService<Env, true>,
    private readonly link: VoiceLink,
    private readonly limits: SocketLimits,
  ) {}

  onModuleInit(): void {
    this.limits.assign(['AudioData'], 'audio');
    this.limits.setAudioFrameRate(1000 / this.audioConfig.get().frame_duration_ms);
    this.metricsSources.registerAudioSource(() => this.audioSnapshot());
    this.metricsSources.registerAudioByChannelTypeSource(() => this.audioByChannelType());
    this.link.bind(this, () => this.localTotals());
    const pingEvery = this.config.get('AUDIO_PING_INTERVAL_MS', { infer: true });
    this.timers.push(
      setInterval(() => this.pingAll(), pingEvery),
      setInterval(() => this.flushUserStats(), USER_STATS_FLUSH_MS),
    );
    for (const timer of this.timers) timer.unref();
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.flushUserStats();
  }

  registerTransport(transport: VoiceTransport): void {
    this.transports.push(transport);
  }

  /** `id` is the transport's own id of the connection, unique on that transport. */
  connect(transport: VoiceTransportName, id: string, principal: UserPrincipal): VoiceConnection {
    const connection: VoiceConnection = { id, transport, principal, channels: new Map(), rttMs: null };
    this.connections.add(connection);
    // Each voice connection (/voice or /ws) counts, as each connection to `/` does in presence.
    this.userStats.add(principal.userId, { total_connections: 1 });
    return connection;
  }

  async disconnect(connection: VoiceConnection): Promise<void> {
    if (!this.connections.delete(connection)) return;
    await Promise.all([...connection.channels.keys()].map((channelId) => this.leave(connection, channelId)));
  }

  async join(connection: VoiceConnection, channelId: string, claimedUserId?: string): Promise<JoinedChannel> {
    const { principal } = connection;
    if (claimedUserId !== undefined && claimedUserId !== principal.userId) {
      throw new AppError('PERMISSION_DENIED', 'user_id must be your own');
    }
    const joined = await this.channels.join(channelId, principal, this.membershipId(connection));
    // The socket may have closed while the channels module answered: undo rather than leave a ghost member.
    if (!this.connections.has(connection)) {
      const undone = await this.channels.leave(channelId, principal.userId, this.membershipId(connection));
      // The user's other connections may have left meanwhile: then this undo is their departure.
      if (undone.lastConnection && !joined.firstConnection) {
        this.emitToChannel(channelId, principal.userId, 'UserLeft', { user_id: principal.userId, channel_id: channelId });
      }
      throw new AppError('UNAUTHORIZED', 'Connection closed');
    }
    if (!connection.channels.has(channelId)) this.attach(connection, channelId);
    // Other instances know this one is in the channel before anyone hears of the join.
    await this.link.attach(channelId);
    if (joined.firstConnection) {
      this.emitToChannel(channelId, principal.userId, 'UserJoined', { user_id: principal.userId, channel_id: channelId });
      this.userStats.add(principal.userId, { channels_joined: 1 });
    }
    return { channel_id: channelId, members: joined.members };
  }

  async leave(connection: VoiceConnection, channelId: string): Promise<void> {
    if (!connection.channels.has(channelId)) throw new AppError('INVALID_INPUT', 'Not in this channel');
    this.detach(connection, channelId);
    const { userId } = connection.principal;
    const outcome = await this.channels.leave(channelId, userId, this.membershipId(connection));
    if (outcome.lastConnection) this.emitToChannel(channelId, userId, 'UserLeft', { user_id: userId, channel_id: channelId });
  }

  /**
   * The hot path: one packet from a member to the channel's other members, in
   * the encoding it came in. `arrival` is performance.now() when it arrived.
   */
  relay(connection: VoiceConnection, packet: AudioPacket, bytes: number, arrival: number): void {
    const stream = connection.channels.get(packet.channelId);
    if (!stream) throw new AppError('PERMISSION_DENIED', 'Not a member of this channel');
    if (bytes > this.audioConfig.get().max_packet_bytes) throw new AppError('PAYLOAD_TOO_LARGE', 'Audio packet larger than max_packet_bytes');
    const channel = this.local.get(packet.channelId)!;
    let dropped = 0;
    for (const transport of this.transports) {
      if (channel.perTransport[transport.name] > 0) dropped += transport.relay(channel, packet);
    }
    const recipients = channel.all.size - (channel.perUser.get(packet.userId) ?? 0) - dropped;
    this.link.publishAudio(packet, bytes);
    const relayMicros = (performance.now() - arrival) * 1000;
    stream.record(packet.seq, packet.timestamp, arrival, bytes, recipients, relayMicros, dropped);
    this.metrics.audioPacketRelayed(bytes, recipients, relayMicros, dropped);
  }

  /** A packet of a member on another instance, to this instance's members of the channel. */
  remoteAudio(packet: AudioPacket, bytes: number, arrival: number): void {
    const channel = this.local.get(packet.channelId);
    const stats = this.stats.get(packet.channelId);
    if (!channel || !stats) return;
    let dropped = 0;
    for (const transport of this.transports) {
      if (channel.perTransport[transport.name] > 0) dropped += transport.relay(channel, packet);
    }
    const recipients = channel.all.size - (channel.perUser.get(packet.userId) ?? 0) - dropped;
    stats.remote.packetsSent += recipients;
    stats.remote.bytesSent += bytes * recipients;
    stats.remote.dropped += dropped;
    this.metrics.audioPacketRelayed(bytes, recipients, (performance.now() - arrival) * 1000, dropped);
  }

  /** A channel event from another instance, to this instance's members; a deleted channel's local state goes too. */
  remoteEvent<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    this.emitLocally(channelId, exceptUserId, event, payload);
    if (event === 'ChannelDeleted') this.forgetChannel(channelId);
  }

  recordRtt(connection: VoiceConnection, rttMs: number): void {
    connection.rttMs = connection.rttMs === null ? rttMs : connection.rttMs + (rttMs - connection.rttMs) * RTT_GAIN;
  }

  /** This instance's audio figures for one channel (zeros and nulls when nothing was measured). */
  channelSummary(channelId: string): AudioSummary {
    return finish(this.channelTotals(channelId));
  }

  /** One channel's audio figures over every instance. */
  async clusterChannelSummary(channelId: string): Promise<AudioSummary> {
    return finish(addTotals([this.channelTotals(channelId), ...(await this.link.channel(channelId))]));
  }

  /** All channels' audio figures over every instance. */
  async clusterSummary(): Promise<AudioSummary> {
    return finish(addTotals([this.localTotals().all, ...(await this.link.all())]));
  }

  overallSummary(): AudioSummary {
    return finish(this.localTotals().all);
  }

  @OnEvent(AUDIO_EVENTS.configChanged)
  configChanged({ config }: AudioConfigChangedEvent): void {
    this.limits.setAudioFrameRate(1000 / config.frame_duration_ms);
    for (const transport of this.transports) transport.toAll('AudioConfigChanged', { config });
  }

  /** Every member is told UserLeft for each member, then ChannelDeleted; then the channel's state goes. */
  @OnEvent(CHANNEL_EVENTS.deleted)
  channelDeleted({ channel_id: channelId, members }: ChannelDeletedEvent): void {
    for (const userId of members) this.emitToChannel(channelId, null, 'UserLeft', { user_id: userId, channel_id: channelId });
    this.emitToChannel(channelId, null, 'ChannelDeleted', { channel_id: channelId });
    this.forgetChannel(channelId);
  }

  /** Users whose instance died left their channels: the remaining members are told. */
  @OnEvent(CHANNEL_EVENTS.membersReleased)
  membersReleased({ released }: ChannelMembersReleasedEvent): void {
    for (const { channel_id, user_id } of released) this.emitToChannel(channel_id, null, 'UserLeft', { user_id, channel_id });
  }

  /** Audio statistics of channels nobody is in any more: ephemeral state. */
  @OnEvent(ADMIN_EVENTS.cleanup)
  cleanup(): AdminOperationCounts {
    this.flushUserStats();
    let removed = 0;
    for (const channelId of this.stats.keys()) {
      if (!this.local.has(channelId)) {
        this.stats.delete(channelId);
        removed++;
      }
    }
    return { idle_channel_audio_stats: removed };
  }

  /** Closes every voice connection (which leaves every channel) and forgets all audio statistics. */
  @OnEvent(ADMIN_EVENTS.reset)
  async reset(): Promise<AdminOperationCounts> {
    const connections = [...this.connections];
    for (const connection of connections) this.transportOf(connection)?.disconnect(connection);
    await Promise.all(connections.map((connection) => this.disconnect(connection)));
    const channels = this.stats.size;
    this.stats.clear();
    return { voice_connections_closed: connections.length, audio_channel_stats_cleared: channels };
  }

  private attach(connection: VoiceConnection, channelId: string): void {
    let stats = this.stats.get(channelId);
    if (!stats) {
      stats = new ChannelAudioStats(this.config.get('AUDIO_MAX_TRANSIT_JUMP_MS', { infer: true }));
      this.stats.set(channelId, stats);
    }
    connection.channels.set(channelId, stats.stream(connection.principal.userId));
    let channel = this.local.get(channelId);
    if (!channel) {
      channel = { all: new Set(), perUser: new Map(), perTransport: { voice: 0, ws: 0 }, version: 0 };
      this.local.set(channelId, channel);
    }
    channel.all.add(connection);
    channel.version++;
    channel.perUser.set(connection.principal.userId, (channel.perUser.get(connection.principal.userId) ?? 0) + 1);
    channel.perTransport[connection.transport]++;
  }

  private detach(connection: VoiceConnection, channelId: string): void {
    connection.channels.delete(channelId);
    const channel = this.local.get(channelId);
    if (!channel?.all.delete(connection)) return;
    channel.version++;
    const userId = connection.principal.userId;
    const remaining = (channel.perUser.get(userId) ?? 1) - 1;
    if (remaining > 0) channel.perUser.set(userId, remaining);
    else channel.perUser.delete(userId);
    channel.perTransport[connection.transport]--;
    if (channel.all.size === 0) {
      this.local.delete(channelId);
      this.link.detach(channelId);
    }
  }

  private forgetChannel(channelId: string): void {
    for (const connection of [...(this.local.get(channelId)?.all ?? [])]) this.detach(connection, channelId);
    this.flushUserStats();
    this.stats.delete(channelId);
  }

  /** To the channel's members here and on every other instance. */
  private emitToChannel<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    this.emitLocally(channelId, exceptUserId, event, payload);
    this.link.publishEvent(channelId, exceptUserId, event, payload);
  }

  private emitLocally<E extends VoiceEvent>(channelId: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    const channel = this.local.get(channelId);
    if (!channel) return;
    for (const transport of this.transports) {
      if (channel.perTransport[transport.name] > 0) transport.toChannel(channel, exceptUserId, event, payload);
    }
  }

  /** Connection ids are unique per transport; membership needs them unique across transports. */
  private membershipId(connection: VoiceConnection): string {
    return `${connection.transport}:${connection.id}`;
  }

  private transportOf(connection: VoiceConnection): VoiceTransport | undefined {
    return this.transports.find((transport) => transport.name === connection.transport);
  }

  private pingAll(): void {
    for (const connection of this.connections) {
      try {
        this.transportOf(connection)?.ping(connection);
      } catch (error) {
        this.logger.warn(`ping failed: ${(error as Error).message}`);
      }
    }
  }

  /** Hands each sender's new packets and bytes to the per-user lifetime counters. */
  private flushUserStats(): void {
    for (const stats of this.stats.values()) {
      for (const [userId, stream] of stats.streams) {
        const done = this.flushed.get(stream) ?? { packets: 0, bytes: 0 };
        const packets = stream.packetsReceived - done.packets;
        if (packets === 0) continue;
        this.userStats.add(userId, { audio_packets_sent: packets, audio_bytes_sent: stream.bytesReceived - done.bytes });
        this.flushed.set(stream, { packets: stream.packetsReceived, bytes: stream.bytesReceived });
      }
    }
  }

  private channelTotals(channelId: string): AudioTotals {
    const stats = this.stats.get(channelId);
    return accumulate(emptyTotals(), stats?.streams.values() ?? [], this.rttsOf(this.local.get(channelId)?.all ?? []), performance.now(), stats?.remote);
  }

  /** Raw totals of this instance, overall and per channel, for the other instances to add up. */
  private localTotals(): { all: AudioTotals; channels: Map<string, AudioTotals> } {
    const channels = new Map<string, AudioTotals>();
    for (const channelId of this.stats.keys()) channels.set(channelId, this.channelTotals(channelId));
    const all = accumulate(emptyTotals(), [], this.rttsOf(this.connections), performance.now());
    for (const totals of channels.values()) {
      const { rttSum: _rttSum, rttCount: _rttCount, ...additive } = totals;
      for (const key of Object.keys(additive) as (keyof typeof additive)[]) all[key] += additive[key];
    }
    return { all, channels };
  }

  private rttsOf(connections: Iterable<VoiceConnection>): number[] {
    const rtts: number[] = [];
    for (const connection of connections) if (connection.rttMs !== null) rtts.push(connection.rttMs);
    return rtts;
  }

  /** This instance's audio figures per channel type (every type listed, nulls where its channels carried no audio). */
  private async audioByChannelType(): Promise<ChannelClassAudio[]> {
    const channelIds = [...this.stats.keys()];
    const types = await this.channels.typesOf(channelIds);
    const byType = new Map<ChannelType, AudioTotals[]>(CHANNEL_TYPES.map((type) => [type, []]));
    for (const channelId of channelIds) {
      const type = types.get(channelId);
      // A channel deleted meanwhile has no type any more: its figures go with it.
      if (type) byType.get(type)!.push(this.channelTotals(channelId));
    }
    return [...byType].map(([channel_type, parts]) => {
      const { packet_loss_rate, jitter_ms, audio_quality_score } = finish(addTotals(parts));
      return { channel_type, packet_loss_rate, jitter_ms, audio_quality_score };
    });
  }

  private audioSnapshot(): AudioMetricsSnapshot {
    const summary = this.overallSummary();
    const users = new Set<string>();
    for (const channel of this.local.values()) for (const userId of channel.perUser.keys()) users.add(userId);
    return {
      active_channels: this.local.size,
      active_users: users.size,
      active_streams: summary.active_streams,
      packets_received: summary.packets_received,
      packets_sent: summary.packets_sent,
      bytes_transferred: summary.bytes_transferred,
      average_latency_ms: summary.average_latency_ms,
      packet_loss_rate: summary.packet_loss_rate,
      jitter_ms: summary.jitter_ms,
      audio_quality_score: summary.audio_quality_score,
    };
  }
}
