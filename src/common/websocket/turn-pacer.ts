/**
 * Runs tasks at most `perTurn` per turn of the event loop, in the order they
 * came: the first ones at once, the rest in the turns after, so other
 * connections' I/O runs in between. A burst of costly work that arrives
 * together (connections to close, handshakes to accept) never holds the loop
 * for long. The tasks waiting are the burst itself: each holds only what its
 * caller already held.
 */
export class TurnPacer {
  private queue: (() => void)[] = [];
  private head = 0;
  private ranThisTurn = 0;
  private turnEnding = false;

  constructor(private readonly perTurn: number) {}

  run(task: () => void): void {
    if (this.waiting === 0 && this.ranThisTurn < this.perTurn) {
      this.ranThisTurn++;
      this.endTurnSoon();
      task();
      return;
    }
    this.queue.push(task);
    this.endTurnSoon();
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  private endTurnSoon(): void {
    if (this.turnEnding) return;
    this.turnEnding = true;
    setImmediate(() => this.nextTurn());
  }

  private nextTurn(): void {
    this.turnEnding = false;
    this.ranThisTurn = 0;
    if (this.waiting === 0) return;
    this.endTurnSoon();
    while (this.waiting > 0 && this.ranThisTurn < this.perTurn) {
      const task = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as () => void;
      this.ranThisTurn++;
      task();
    }
    if (this.waiting === 0) {
      this.queue = [];
      this.head = 0;
    }
  }
}
