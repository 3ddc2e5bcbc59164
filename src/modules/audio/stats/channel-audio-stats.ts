import { qualityScore } from './e-model';
import { MAX_TRANSIT_JUMP_MS, StreamStats } from './stream-stats';

/** A sender is an active stream while its packets keep coming: 20 ms frames, so a second of silence ends it. */
export const STREAM_IDLE_MS = 1000;

/** The `audio_stats` object of a channel's statistics. Rates are 0..1; a figure with no data is null. */
export interface AudioStatsView {
  packets_sent: number;
  packets_received: number;
  bytes_transferred: number;
  average_latency_ms: number | null;
  packet_loss_rate: number | null;
  audio_quality_score: number | null;
  jitter_ms: number | null;
}

export interface AudioSummary extends AudioStatsView {
  active_streams: number;
  /** Mean relay time per packet, arrival to last send, µs. */
  processing_latency_us: number | null;
}

/** Audio accounting of one channel on this instance: one StreamStats per sender on this instance. */
export class ChannelAudioStats {
  readonly streams = new Map<string, StreamStats>();
  /** Packets of senders on other instances delivered here: one per recipient connection, their bytes, and deliveries dropped. */
  readonly remote = { packetsSent: 0, bytesSent: 0, dropped: 0 };

  /** @param maxTransitJumpMs see StreamStats (AUDIO_MAX_TRANSIT_JUMP_MS) */
  constructor(private readonly maxTransitJumpMs = MAX_TRANSIT_JUMP_MS) {}

  stream(userId: string): StreamStats {
    let stream = this.streams.get(userId);
    if (!stream) {
      stream = new StreamStats(this.maxTransitJumpMs);
      this.streams.set(userId, stream);
    }
    return stream;
  }
}

/**
 * The additive raw figures behind a summary: instances add theirs up before
 * the ratios are taken, so a cluster's figures are exact sums, not averages of averages.
 */
export interface AudioTotals {
  packetsReceived: number;
  packetsSent: number;
  bytes: number;
  relayMicros: number;
  expected: number;
  lost: number;
  /** Deliveries skipped for a recipient over its outgoing buffer cap. */
  dropped: number;
  jitterSum: number;
  jitterCount: number;
  active: number;
  rttSum: number;
  rttCount: number;
}

export function emptyTotals(): AudioTotals {
  return {
    packetsReceived: 0,
    packetsSent: 0,
    bytes: 0,
    relayMicros: 0,
    expected: 0,
    lost: 0,
    dropped: 0,
    jitterSum: 0,
    jitterCount: 0,
    active: 0,
    rttSum: 0,
    rttCount: 0,
  };
}

/** Adds streams (of one channel, or of all), deliveries of remote senders and round-trip times into `into`. */
export function accumulate(
  into: AudioTotals,
  streams: Iterable<StreamStats>,
  rttsMs: readonly number[],
  nowMs: number,
  remote?: { packetsSent: number; bytesSent: number; dropped: number },
): AudioTotals {
  for (const stream of streams) {
    into.packetsReceived += stream.packetsReceived;
    into.packetsSent += stream.packetsSent;
    into.bytes += stream.bytesReceived + stream.bytesSent;
    into.relayMicros += stream.relayMicrosTotal;
    into.expected += stream.expected;
    into.lost += stream.lost;
    into.dropped += stream.packetsDropped;
    const jitter = stream.jitter;
    if (jitter !== null) {
      into.jitterSum += jitter;
      into.jitterCount++;
    }
    if (stream.packetsReceived > 0 && nowMs - stream.lastPacketAt <= STREAM_IDLE_MS) into.active++;
  }
  if (remote) {
    into.packetsSent += remote.packetsSent;
    into.bytes += remote.bytesSent;
    into.dropped += remote.dropped;
  }
  for (const rtt of rttsMs) {
    into.rttSum += rtt;
    into.rttCount++;
  }
  return into;
}

/** The sum of several instances' totals. */
export function addTotals(parts: Iterable<AudioTotals>): AudioTotals {
  const sum = emptyTotals();
  for (const part of parts) for (const key of Object.keys(sum) as (keyof AudioTotals)[]) sum[key] += part[key];
  return sum;
}

/**
 * Sums streams (of one channel, or of all) into the seed's figures. `rttsMs` are
 * the smoothed round-trip times of the connections concerned.
 */
export function summarize(streams: Iterable<StreamStats>, rttsMs: readonly number[], nowMs: number): AudioSummary {
  return finish(accumulate(emptyTotals(), streams, rttsMs, nowMs));
}

/** The seed's figures from raw totals; a figure with nothing measured is null. */
export function finish(totals: AudioTotals): AudioSummary {
  // Lost on the way in (sequence gaps) or on the way out (deliveries skipped for a recipient over its buffer cap).
  const inboundLoss = totals.expected > 0 ? totals.lost / totals.expected : null;
  const attempted = totals.packetsSent + totals.dropped;
  const outboundLoss = attempted > 0 && (totals.dropped > 0 || inboundLoss !== null) ? totals.dropped / attempted : null;
  const lossRate = inboundLoss === null && outboundLoss === null ? null : 1 - (1 - (inboundLoss ?? 0)) * (1 - (outboundLoss ?? 0));
  const jitterMs = totals.jitterCount > 0 ? totals.jitterSum / totals.jitterCount : null;
  const rttMs = totals.rttCount > 0 ? totals.rttSum / totals.rttCount : null;
  const processingUs = totals.packetsReceived > 0 ? totals.relayMicros / totals.packetsReceived : null;
  return {
    packets_sent: totals.packetsSent,
    packets_received: totals.packetsReceived,
    bytes_transferred: totals.bytes,
    average_latency_ms: round(rttMs),
    packet_loss_rate: round(lossRate, 4),
    audio_quality_score: lossRate === null ? null : round(qualityScore(oneWayDelayMs(rttMs, jitterMs, processingUs), lossRate), 4),
    jitter_ms: round(jitterMs),
    active_streams: totals.active,
    processing_latency_us: round(processingUs, 1),
  };
}

/**
 * The E-model's mouth-to-ear delay as far as the server can see it: half the
 * round trip, a de-jitter buffer of twice the jitter, and the relay time. A
 * part not measured yet contributes nothing (docs/audio-stats.md).
 */
export function oneWayDelayMs(rttMs: number | null, jitterMs: number | null, processingUs: number | null): number {
  return (rttMs ?? 0) / 2 + 2 * (jitterMs ?? 0) + (processingUs ?? 0) / 1000;
}

function round(value: number | null, digits = 3): number | null {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
