/** Sequence numbers are unsigned 32-bit; a jump beyond this is a sender restart, not loss (RFC 3550 A.1's MAX_DROPOUT). */
export const MAX_DROPOUT = 3000;
/** How far back duplicates and late packets are recognised. */
export const REORDER_WINDOW = 1024;
const WINDOW_MASK = REORDER_WINDOW - 1;
/**
 * A change of transit time (arrival minus sender timestamp) between two
 * packets beyond this is no network jitter but a sender clock jump or a forged
 * timestamp: the sample is skipped and the stream re-based on the new clock,
 * so one sender cannot push the channel's jitter (and quality) to nonsense.
 * The default of AUDIO_MAX_TRANSIT_JUMP_MS.
 */
export const MAX_TRANSIT_JUMP_MS = 5000;

/**
 * What the server measures about one sender in one channel: counts in and
 * out, loss from sequence gaps, RFC 3550 interarrival jitter and relay time.
 * `record` is called for every packet: no allocation, a few additions.
 */
export class StreamStats {
  packetsReceived = 0;
  bytesReceived = 0;
  /** Deliveries: one per recipient connection of each packet. */
  packetsSent = 0;
  /** Deliveries skipped because the recipient's outgoing buffer was over its cap: lost on the way out. */
  packetsDropped = 0;
  /** Timestamp pairs skipped as implausible (over `maxTransitJumpMs`). */
  implausibleTimestamps = 0;
  bytesSent = 0;
  relayMicrosTotal = 0;
  /** Monotonic ms of the last packet, for "active stream". */
  lastPacketAt = 0;

  /** Counted so far in earlier runs (before a sender restart). */
  private expectedBefore = 0;
  private receivedBefore = 0;
  private baseSeq = -1;
  private maxSeq = -1;
  private uniqueInRun = 0;
  duplicates = 0;
  /** Packets older than the reorder window: neither counted as received nor as lost again. */
  late = 0;
  /** seen[seq % window] === seq when that seq arrived; recognises duplicates within the window. */
  private readonly seen = new Float64Array(REORDER_WINDOW).fill(-1);

  /** RFC 3550 §6.4.1 interarrival jitter, in ms. */
  jitterMs = 0;
  private jitterSamples = 0;
  private lastTransit = Number.NaN;

  constructor(private readonly maxTransitJumpMs = MAX_TRANSIT_JUMP_MS) {}

  /**
   * @param seq sender's sequence number, or -1 when the packet carries none
   * @param senderTimestampMs sender's clock in ms, or NaN when absent
   * @param arrivalMs server's monotonic clock in ms at arrival
   * @param recipients deliveries made; `dropped` more were skipped (recipient over its buffer cap)
   */
  record(seq: number, senderTimestampMs: number, arrivalMs: number, bytes: number, recipients: number, relayMicros: number, dropped = 0): void {
    this.packetsReceived++;
    this.packetsDropped += dropped;
    this.bytesReceived += bytes;
    this.packetsSent += recipients;
    this.bytesSent += bytes * recipients;
    this.relayMicrosTotal += relayMicros;
    this.lastPacketAt = arrivalMs;
    if (seq >= 0 && !this.trackSequence(seq)) return;
    if (senderTimestampMs === senderTimestampMs) this.trackJitter(senderTimestampMs, arrivalMs);
  }

  /** Counts a fresh sequence number; false for a duplicate or too-late packet. */
  private trackSequence(seq: number): boolean {
    if (this.maxSeq < 0 || seq > this.maxSeq + MAX_DROPOUT || seq < this.baseSeq - MAX_DROPOUT) {
      this.expectedBefore += this.expectedInRun();
      this.receivedBefore += this.uniqueInRun;
      this.baseSeq = seq;
      this.maxSeq = seq;
      this.uniqueInRun = 0;
      this.seen.fill(-1);
    } else if (seq <= this.maxSeq - REORDER_WINDOW) {
      this.late++;
      return false;
    } else if (this.seen[seq & WINDOW_MASK] === seq) {
      this.duplicates++;
      return false;
    }
    this.seen[seq & WINDOW_MASK] = seq;
    this.uniqueInRun++;
    if (seq > this.maxSeq) this.maxSeq = seq;
    if (seq < this.baseSeq) this.baseSeq = seq;
    return true;
  }

  private trackJitter(senderTimestampMs: number, arrivalMs: number): void {
    const transit = arrivalMs - senderTimestampMs;
    if (this.lastTransit === this.lastTransit) {
      const d = Math.abs(transit - this.lastTransit);
      if (d <= this.maxTransitJumpMs) {
        this.jitterMs += (d - this.jitterMs) / 16;
        this.jitterSamples++;
      } else this.implausibleTimestamps++;
    }
    this.lastTransit = transit;
  }

  private expectedInRun(): number {
    return this.maxSeq < 0 ? 0 : this.maxSeq - this.baseSeq + 1;
  }

  /** Packets the sequence numbers say were sent. */
  get expected(): number {
    return this.expectedBefore + this.expectedInRun();
  }

  get lost(): number {
    return Math.max(0, this.expected - this.receivedBefore - this.uniqueInRun);
  }

  /** 0..1, or null before any sequenced packet. */
  get lossRate(): number | null {
    const expected = this.expected;
    return expected === 0 ? null : this.lost / expected;
  }

  /** null until two timestamped packets arrived. */
  get jitter(): number | null {
    return this.jitterSamples === 0 ? null : this.jitterMs;
  }
}
