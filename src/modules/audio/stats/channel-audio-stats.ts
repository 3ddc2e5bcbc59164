import { qualityScore } from './e-model';
import { StreamStats } from './stream-stats';

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

/** Audio accounting of one channel on this instance: one StreamStats per sender. */
export class ChannelAudioStats {
  readonly streams = new Map<string, StreamStats>();

  stream(userId: string): StreamStats {
    let stream = this.streams.get(userId);
    if (!stream) {
      stream = new StreamStats();
      this.streams.set(userId, stream);
    }
    return stream;
  }
}

/**
 * Sums streams (of one channel, or of all) into the seed's figures. `rttsMs` are
 * the smoothed round-trip times of the connections concerned.
 */
export function summarize(streams: Iterable<StreamStats>, rttsMs: readonly number[], nowMs: number): AudioSummary {
  let packetsReceived = 0;
  let packetsSent = 0;
  let bytes = 0;
  let relayMicros = 0;
  let expected = 0;
  let lost = 0;
  let dropped = 0;
  let jitterSum = 0;
  let jitterCount = 0;
  let active = 0;
  for (const stream of streams) {
    packetsReceived += stream.packetsReceived;
    packetsSent += stream.packetsSent;
    bytes += stream.bytesReceived + stream.bytesSent;
    relayMicros += stream.relayMicrosTotal;
    expected += stream.expected;
    lost += stream.lost;
    dropped += stream.packetsDropped;
    const jitter = stream.jitter;
    if (jitter !== null) {
      jitterSum += jitter;
      jitterCount++;
    }
    if (stream.packetsReceived > 0 && nowMs - stream.lastPacketAt <= STREAM_IDLE_MS) active++;
  }

  // Lost on the way in (sequence gaps) or on the way out (deliveries skipped for a recipient over its buffer cap).
  const inboundLoss = expected > 0 ? lost / expected : null;
  const attempted = packetsSent + dropped;
  const outboundLoss = attempted > 0 && (dropped > 0 || inboundLoss !== null) ? dropped / attempted : null;
  const lossRate = inboundLoss === null && outboundLoss === null ? null : 1 - (1 - (inboundLoss ?? 0)) * (1 - (outboundLoss ?? 0));
  const jitterMs = jitterCount > 0 ? jitterSum / jitterCount : null;
  const rttMs = rttsMs.length > 0 ? rttsMs.reduce((sum, rtt) => sum + rtt, 0) / rttsMs.length : null;
  const processingUs = packetsReceived > 0 ? relayMicros / packetsReceived : null;
  return {
    packets_sent: packetsSent,
    packets_received: packetsReceived,
    bytes_transferred: bytes,
    average_latency_ms: round(rttMs),
    packet_loss_rate: round(lossRate, 4),
    audio_quality_score: lossRate === null ? null : round(qualityScore(oneWayDelayMs(rttMs, jitterMs, processingUs), lossRate), 4),
    jitter_ms: round(jitterMs),
    active_streams: active,
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
