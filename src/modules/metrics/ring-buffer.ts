/** Fixed-capacity FIFO: pushing into a full ring overwrites the oldest entry. No allocation per push. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('RingBuffer capacity must be a positive integer');
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The newest entry, or undefined when empty. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.capacity];
  }

  /**
   * Up to `limit` newest entries accepted by `keep`, oldest first. Walks back from
   * the newest and stops at the first rejected one (entries are in time order).
   */
  takeLast(limit: number, keep: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (let i = this.count - 1; i >= 0 && out.length < limit; i--) {
      const item = this.items[(this.start + i) % this.capacity] as T;
      if (!keep(item)) break;
      out.push(item);
    }
    return out.reverse();
  }

  /** Empties the ring; returns how many entries it held. */
  clear(): number {
    const removed = this.count;
    this.items.fill(undefined);
    this.start = 0;
    this.count = 0;
    return removed;
  }
}
