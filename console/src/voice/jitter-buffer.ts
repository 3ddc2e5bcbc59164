/** What the buffer hands on: a packet in sequence order, or the sequence number of one given up as lost. */
export type Released<T> = { seq: number; payload: T } | { seq: number; lost: true };

/**
 * Puts one sender's packets back in sequence order. A missing packet is
 * waited for until `depth` later packets have arrived, then given up as lost;
 * duplicates and packets older than what was released are dropped. Holds at
 * most `capacity` packets; a jump beyond that is a sender restart.
 */
export class JitterBuffer<T> {
  private readonly held = new Map<number, T>();
  private next = -1;
  lost = 0;
  late = 0;

  constructor(
    private readonly depth = 3,
    private readonly capacity = 64,
  ) {}

  push(seq: number, payload: T): Released<T>[] {
    if (this.next < 0 || seq >= this.next + this.capacity || seq < this.next - this.capacity) {
      // First packet, or a sender restart: start over from here.
      this.held.clear();
      this.next = seq;
    }
    if (seq < this.next || this.held.has(seq)) {
      this.late++;
      return [];
    }
    this.held.set(seq, payload);
    return this.release();
  }

  get size(): number {
    return this.held.size;
  }

  private release(): Released<T>[] {
    const out: Released<T>[] = [];
    for (;;) {
      const payload = this.held.get(this.next);
      if (payload !== undefined) {
        this.held.delete(this.next);
        out.push({ seq: this.next++, payload });
      } else if (this.held.size > this.depth) {
        this.lost++;
        out.push({ seq: this.next++, lost: true });
      } else {
        return out;
      }
    }
  }
}
