import { RingBuffer } from './ring-buffer';

describe('RingBuffer', () => {
  it('keeps the newest entries up to its capacity, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.last()).toBeUndefined();
    [1, 2, 3, 4, 5].forEach((n) => ring.push(n));
    expect(ring.size).toBe(3);
    expect(ring.last()).toBe(5);
    expect(ring.takeLast(10, () => true)).toEqual([3, 4, 5]);
  });

  it('takeLast honours the limit and stops at the first rejected entry', () => {
    const ring = new RingBuffer<number>(5);
    [1, 2, 3, 4, 5].forEach((n) => ring.push(n));
    expect(ring.takeLast(2, () => true)).toEqual([4, 5]);
    expect(ring.takeLast(10, (n) => n >= 3)).toEqual([3, 4, 5]);
    expect(ring.takeLast(10, (n) => n !== 4)).toEqual([5]);
  });

  it('clear empties it and reports how many entries it held', () => {
    const ring = new RingBuffer<number>(2);
    [1, 2, 3].forEach((n) => ring.push(n));
    expect(ring.clear()).toBe(2);
    expect(ring.size).toBe(0);
    ring.push(9);
    expect(ring.takeLast(10, () => true)).toEqual([9]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
