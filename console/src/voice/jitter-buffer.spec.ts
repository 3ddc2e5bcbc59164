import { JitterBuffer } from './jitter-buffer';
import { meterLevel, rms } from './level';
import { Playout } from './playout';

const seqs = (released: { seq: number }[]) => released.map((packet) => ('lost' in packet ? `lost ${packet.seq}` : packet.seq));

describe('JitterBuffer', () => {
  it('releases packets in order as they come', () => {
    const buffer = new JitterBuffer<string>(3);
    expect(seqs(buffer.push(10, 'a'))).toEqual([10]);
    expect(seqs(buffer.push(11, 'b'))).toEqual([11]);
  });

  it('puts a reordered packet back in its place', () => {
    const buffer = new JitterBuffer<string>(3);
    buffer.push(0, 'a');
    expect(seqs(buffer.push(2, 'c'))).toEqual([]);
    expect(seqs(buffer.push(1, 'b'))).toEqual([1, 2]);
    expect(buffer.lost).toBe(0);
  });

  it('gives a missing packet up once more than `depth` later ones wait, and drops it if it comes after all', () => {
    const buffer = new JitterBuffer<string>(2);
    buffer.push(0, 'a');
    expect(seqs(buffer.push(2, 'c'))).toEqual([]);
    expect(seqs(buffer.push(3, 'd'))).toEqual([]);
    expect(seqs(buffer.push(4, 'e'))).toEqual(['lost 1', 2, 3, 4]);
    expect(buffer.lost).toBe(1);
    expect(seqs(buffer.push(1, 'b'))).toEqual([]);
    expect(buffer.late).toBe(1);
  });

  it('drops duplicates', () => {
    const buffer = new JitterBuffer<string>(3);
    buffer.push(0, 'a');
    buffer.push(2, 'c');
    expect(seqs(buffer.push(2, 'c'))).toEqual([]);
    expect(buffer.size).toBe(1);
  });

  it('starts over on a jump beyond its capacity (a sender restart), holding at most `capacity` packets', () => {
    const buffer = new JitterBuffer<string>(100, 8);
    buffer.push(1000, 'a');
    for (let seq = 1002; seq < 1008; seq++) buffer.push(seq, 'x');
    expect(buffer.size).toBe(6);
    expect(seqs(buffer.push(5, 'restart'))).toEqual([5]);
    expect(buffer.size).toBe(0);
  });
});

describe('Playout', () => {
  it('plays frames back to back from a start one target delay ahead', () => {
    const playout = new Playout(0.06, 0.3);
    expect(playout.schedule(10, 0.02)).toBeCloseTo(10.06);
    expect(playout.schedule(10.005, 0.02)).toBeCloseTo(10.08);
    expect(playout.schedule(10.01, 0.02)).toBeCloseTo(10.1);
  });

  it('rebuilds the delay after an underrun, and counts it', () => {
    const playout = new Playout(0.06, 0.3);
    playout.schedule(10, 0.02);
    expect(playout.schedule(11, 0.02)).toBeCloseTo(11.06);
    expect(playout.underruns).toBe(1);
  });

  it('drops a frame that would play more than the maximum delay ahead', () => {
    const playout = new Playout(0.06, 0.11);
    for (let i = 0; i < 2; i++) playout.schedule(10, 0.02);
    expect(playout.schedule(10, 0.02)).not.toBeNull();
    expect(playout.schedule(10, 0.02)).toBeNull();
    expect(playout.dropped).toBe(1);
  });
});

describe('levels', () => {
  it('measures RMS and maps it to a -60..0 dBFS meter', () => {
    expect(rms(new Float32Array([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5);
    expect(rms(new Float32Array(0))).toBe(0);
    expect(meterLevel(1)).toBe(1);
    expect(meterLevel(0.001)).toBeCloseTo(0);
    expect(meterLevel(0.1)).toBeCloseTo(2 / 3);
    expect(meterLevel(0)).toBe(0);
  });
});
