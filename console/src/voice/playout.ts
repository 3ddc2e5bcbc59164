/**
 * When each decoded frame of one sender plays, on the audio clock (seconds).
 * Frames play back to back from a start `targetDelay` ahead of the first one,
 * which absorbs arrival jitter; after an underrun the delay is rebuilt, and a
 * frame that would play more than `maxDelay` ahead is dropped, so latency stays bounded.
 */
export class Playout {
  private playhead = 0;
  underruns = 0;
  dropped = 0;

  constructor(
    private readonly targetDelay = 0.06,
    private readonly maxDelay = 0.3,
  ) {}

  /** The start time for a frame of `duration` seconds at audio time `now`, or null to drop it. */
  schedule(now: number, duration: number): number | null {
    if (this.playhead < now) {
      if (this.playhead > 0) this.underruns++;
      this.playhead = now + this.targetDelay;
    } else if (this.playhead - now > this.maxDelay) {
      this.dropped++;
      return null;
    }
    const start = this.playhead;
    this.playhead += duration;
    return start;
  }
}
