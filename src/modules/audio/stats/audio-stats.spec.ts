import { ChannelAudioStats, STREAM_IDLE_MS, summarize } from './channel-audio-stats';
import { delayImpairment, lossImpairment, mosFromR, qualityScore, R_DEFAULT } from './e-model';
import { MAX_DROPOUT, MAX_TRANSIT_JUMP_MS, REORDER_WINDOW, StreamStats } from './stream-stats';

const NO_TS = Number.NaN;

/** Feeds sequence numbers with no timestamps, 100 bytes each, one recipient, 10 µs relay. */
function feed(stream: StreamStats, seqs: number[]): void {
  seqs.forEach((seq, i) => stream.record(seq, NO_TS, i * 20, 100, 1, 10));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('StreamStats loss', () => {
  it('counts nothing lost for a complete run, and null before any sequenced packet', () => {
    const stream = new StreamStats();
    expect(stream.lossRate).toBeNull();
    feed(stream, range(0, 100));
    expect([stream.expected, stream.lost, stream.lossRate]).toEqual([100, 0, 0]);
  });

  it('gives 10% for 100 packets with 10 sequence gaps', () => {
    const stream = new StreamStats();
    feed(
      stream,
      range(0, 100).filter((seq) => seq % 10 !== 5),
    );
    expect([stream.expected, stream.lost, stream.lossRate]).toEqual([100, 10, 0.1]);
  });

  it('does not count reordered packets as lost, nor duplicates as received', () => {
    const stream = new StreamStats();
    feed(stream, [0, 1, 3, 2, 4, 4, 4, 6, 5, 7, 9]);
    expect(stream.duplicates).toBe(2);
    expect([stream.expected, stream.lost]).toEqual([10, 1]);
    expect(stream.packetsReceived).toBe(11);
  });

  it('moves the base back when the first packet arrived out of order', () => {
    const stream = new StreamStats();
    feed(stream, [3, 1, 2, 4]);
    expect([stream.expected, stream.lost]).toEqual([4, 0]);
  });

  it('treats packets older than the reorder window as late, not as new', () => {
    const stream = new StreamStats();
    feed(stream, [...range(0, REORDER_WINDOW + 10), 3]);
    expect(stream.late).toBe(1);
    expect(stream.lost).toBe(0);
  });

  it('starts a new run on a jump beyond MAX_DROPOUT (sender restart), keeping earlier counts', () => {
    const stream = new StreamStats();
    feed(stream, [...range(0, 10).filter((seq) => seq !== 4), ...range(MAX_DROPOUT + 100, MAX_DROPOUT + 110)]);
    expect([stream.expected, stream.lost]).toEqual([20, 1]);
  });
});

describe('StreamStats jitter (RFC 3550)', () => {
  it('stays 0 for a perfectly paced sender, whatever the clock offset', () => {
    const stream = new StreamStats();
    for (let i = 0; i < 50; i++) stream.record(i, 1_000_000 + i * 20, 5 + i * 20, 160, 1, 5);
    expect(stream.jitter).toBe(0);
  });

  it('follows J += (|D| - J) / 16 for uneven arrivals', () => {
    const stream = new StreamStats();
    const arrivals = [0, 25, 38, 61, 80];
    arrivals.forEach((arrival, i) => stream.record(i, i * 20, arrival, 160, 1, 5));
    let expected = 0;
    for (let i = 1; i < arrivals.length; i++) {
      const d = Math.abs(arrivals[i] - arrivals[i - 1] - 20);
      expected += (d - expected) / 16;
    }
    expect(stream.jitter).toBeCloseTo(expected, 12);
    expect(stream.jitter).toBeGreaterThan(0);
  });

  it('skips implausible timestamp jumps, so a forged clock cannot poison the figure', () => {
    const stream = new StreamStats();
    const arrivals = [0, 25, 38, 61, 80];
    arrivals.forEach((arrival, i) => stream.record(i, i * 20, arrival, 160, 1, 5));
    const measured = stream.jitter!;
    // Timestamps alternating 0 and the largest double: every step jumps by far more than any network delays a packet.
    for (let i = 5; i < 45; i++) stream.record(i, i % 2 === 0 ? 0 : 1.79e308, 80 + (i - 4) * 20, 160, 1, 5);
    expect(stream.jitter).toBe(measured);
    expect(stream.implausibleTimestamps).toBe(40);
    // A sender whose clock really jumped (a restart) is measured again from its new clock on.
    for (let i = 45; i < 50; i++) stream.record(i, 1e9 + i * 20, 900 + i * 20, 160, 1, 5);
    expect(stream.implausibleTimestamps).toBe(41);
    expect(stream.jitter).toBeLessThan(measured);
    expect(MAX_TRANSIT_JUMP_MS).toBe(5000);
  });

  it('takes its clock-jump threshold from the caller', () => {
    // Transit changes of 1000 ms: jitter by default, clock jumps with a 500 ms threshold.
    const [lenient, strict] = [new StreamStats(), new StreamStats(500)];
    for (let i = 0; i < 5; i++) for (const stream of [lenient, strict]) stream.record(i, i * 1000, i * 20, 160, 1, 5);
    expect(lenient.jitter).toBeGreaterThan(0);
    expect([strict.jitter, strict.implausibleTimestamps]).toEqual([null, 4]);
  });

  it('is null until two timestamped packets arrived, and ignores duplicates', () => {
    const stream = new StreamStats();
    stream.record(0, 0, 0, 160, 1, 5);
    expect(stream.jitter).toBeNull();
    stream.record(0, 0, 500, 160, 1, 5);
    expect(stream.jitter).toBeNull();
  });
});

describe('E-model', () => {
  it('maps R to MOS per G.107 Annex B', () => {
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(R_DEFAULT)).toBeCloseTo(4.409, 3);
    expect(mosFromR(50)).toBeCloseTo(1 + 1.75 + 7e-6 * 50 * -10 * 50, 10);
  });

  it('charges 0.024/ms below 177.3 ms and 0.134/ms above', () => {
    expect(delayImpairment(100)).toBeCloseTo(2.4, 10);
    expect(delayImpairment(277.3) - delayImpairment(177.3)).toBeCloseTo(13.4, 10);
  });

  it('charges loss through Bpl = 25.1', () => {
    expect(lossImpairment(0)).toBe(0);
    expect(lossImpairment(0.1)).toBeCloseTo(95 * (10 / 35.1), 10);
  });

  it('scores a perfect path near 0.97 and degrades with loss and delay', () => {
    expect(qualityScore(0, 0)).toBeCloseTo((mosFromR(93.2) - 1) / 3.5, 10);
    expect(qualityScore(0, 0.1)).toBeLessThan(qualityScore(0, 0.01));
    expect(qualityScore(400, 0)).toBeLessThan(qualityScore(50, 0));
    expect(qualityScore(1000, 1)).toBe(0);
  });
});

describe('summarize', () => {
  it('answers zeros and nulls without data', () => {
    expect(summarize([], [], 0)).toEqual({
      packets_sent: 0,
      packets_received: 0,
      bytes_transferred: 0,
      average_latency_ms: null,
      packet_loss_rate: null,
      audio_quality_score: null,
      jitter_ms: null,
      active_streams: 0,
      processing_latency_us: null,
    });
  });

  it('sums senders, pools loss, averages jitter and round trips', () => {
    const channel = new ChannelAudioStats();
    const a = channel.stream('a');
    const b = channel.stream('b');
    for (let i = 0; i < 10; i++) a.record(i, i * 20, i * 20, 100, 2, 30);
    for (const seq of [0, 1, 2, 3, 4, 5, 6, 7, 9]) b.record(seq, NO_TS, 5000, 50, 3, 60);
    const summary = summarize(channel.streams.values(), [10, 30], 5000);
    expect(summary).toEqual({
      packets_received: 19,
      packets_sent: 10 * 2 + 9 * 3,
      bytes_transferred: 10 * 100 * 3 + 9 * 50 * 4,
      packet_loss_rate: 0.05,
      jitter_ms: 0,
      average_latency_ms: 20,
      processing_latency_us: Math.round(((10 * 30 + 9 * 60) / 19) * 10) / 10,
      active_streams: 1,
      audio_quality_score: Math.round(qualityScore(10 + (10 * 30 + 9 * 60) / 19 / 1000, 0.05) * 1e4) / 1e4,
    });
    expect(summarize(channel.streams.values(), [], 5000 + STREAM_IDLE_MS + 1).active_streams).toBe(0);
  });

  it('counts deliveries dropped for a congested recipient as loss on the way out', () => {
    const channel = new ChannelAudioStats();
    const a = channel.stream('a');
    // 10 packets, no sequence gap, 3 recipients each: 2 delivered, 1 dropped.
    for (let i = 0; i < 10; i++) a.record(i, NO_TS, i * 20, 100, 2, 30, 1);
    expect(summarize(channel.streams.values(), [], 200)).toMatchObject({ packets_sent: 20, packet_loss_rate: 0.3333 });
    // Without sequence numbers, loss on the way in is unknown but drops are still loss.
    const b = new ChannelAudioStats().stream('b');
    for (let i = 0; i < 4; i++) b.record(-1, NO_TS, i * 20, 100, 3, 30, i === 0 ? 1 : 0);
    expect(summarize([b], [], 80).packet_loss_rate).toBe(0.0769);
    // With neither, nothing is known.
    const c = new ChannelAudioStats().stream('c');
    c.record(-1, NO_TS, 0, 100, 3, 30);
    expect(summarize([c], [], 0).packet_loss_rate).toBeNull();
  });
});
