/**
 * Holds the answer to a handshake refused for its address's budget for a
 * while before writing it. An HTTP client waits for the answer before it sends
 * its next request on that connection, so a flood over keep-alive connections
 * gets one refusal per connection per delay instead of as many as the server
 * can write, and refusing it no longer takes the event loop from everyone else.
 *
 * Bounded: past `maxHeld` answers waiting, refusals are written at once (a
 * held answer keeps only what the request already holds, plus a timer).
 */
export class RefusalPacer {
  private heldCount = 0;

  constructor(
    private readonly delayMs: number,
    private readonly maxHeld = 10_000,
  ) {}

  /** Runs `answer` once the delay is over; at once when the delay is 0 or `maxHeld` answers already wait. */
  hold(answer: () => void): void {
    if (this.delayMs <= 0 || this.heldCount >= this.maxHeld) return answer();
    this.heldCount++;
    // Unreferenced: a held refusal never keeps a stopping process alive.
    setTimeout(() => {
      this.heldCount--;
      answer();
    }, this.delayMs).unref();
  }

  get held(): number {
    return this.heldCount;
  }
}
