/** Held answers written per turn of the event loop: a wave of refusals due together never holds the loop for long. */
const ANSWERS_PER_TURN = 16;

interface Held {
  dueAt: number;
  answer: () => void;
}

/**
 * Holds the answer to a handshake refused for its address's budget for a
 * while before writing it. An HTTP client waits for the answer before it sends
 * its next request on that connection, so a flood over keep-alive connections
 * gets one refusal per connection per delay instead of as many as the server
 * can write, and refusing it no longer takes the event loop from everyone else.
 *
 * The answers wait in arrival order (the delay is the same for all, so that is
 * also the order they fall due) behind one timer. A flood's refusals come in
 * waves; a wave due at once is written a few answers per turn, so other
 * connections' I/O runs in between.
 *
 * Bounded: past `maxHeld` answers waiting, refusals are written at once (a
 * held answer keeps only what the request already holds).
 */
export class RefusalPacer {
  private queue: Held[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private releasing = false;

  constructor(
    private readonly delayMs: number,
    private readonly maxHeld = 10_000,
  ) {}

  /** Runs `answer` once the delay is over; at once when the delay is 0 or `maxHeld` answers already wait. */
  hold(answer: () => void): void {
    if (this.delayMs <= 0 || this.held >= this.maxHeld) return answer();
    this.queue.push({ dueAt: Date.now() + this.delayMs, answer });
    this.schedule();
  }

  get held(): number {
    return this.queue.length - this.head;
  }

  private schedule(): void {
    if (this.releasing || this.timer || this.held === 0) return;
    // Unreferenced: held refusals never keep a stopping process alive.
    this.timer = setTimeout(() => this.release(), Math.max(0, this.queue[this.head].dueAt - Date.now())).unref();
  }

  private release(): void {
    this.timer = undefined;
    const now = Date.now();
    let written = 0;
    while (this.held > 0 && this.queue[this.head].dueAt <= now && written < ANSWERS_PER_TURN) {
      const { answer } = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as Held;
      written++;
      answer();
    }
    this.compact();
    if (this.held > 0 && this.queue[this.head].dueAt <= now) {
      // More are due: the rest of the wave after other connections had their turn.
      this.releasing = true;
      setImmediate(() => {
        this.releasing = false;
        this.release();
      }).unref();
      return;
    }
    this.schedule();
  }

  /** Drops the written entries once they are the larger part of the array. */
  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
