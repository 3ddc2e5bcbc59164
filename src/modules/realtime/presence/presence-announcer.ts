import { Injectable, Logger } from '@nestjs/common';
import { abandonAfter } from '../../../common/redis/redis-connections';
import type { ConnectedUser } from '../../../contracts/socket-events';
import { PresenceStore } from './presence.store';

/** At most one presence push per socket per window. */
export const PRESENCE_WINDOW_MS = 100;
/** How long a flush waits for the cluster-wide check before announcing unchecked. */
const CHECK_TIMEOUT_MS = 500;

export type PresenceAnnouncement = { event: 'userConnected'; payload: ConnectedUser } | { event: 'userDisconnected'; payload: { userId: string } };

/** How a window's announcements reach every socket of the namespace (on every instance, through the adapter), in order. */
export type AnnouncementSink = (announcements: readonly PresenceAnnouncement[]) => void;

/**
 * Coalesces `userConnected` / `userDisconnected` of namespace `/` into one push
 * per window: each flush broadcasts its announcements back to back, once each,
 * so a connect storm costs every socket one burst per window instead of one
 * wake-up per newcomer.
 *
 * Within a window only a user's latest change is kept (in the order of those
 * latest changes): a user who connects and disconnects within one window is
 * announced once, as `userDisconnected`; one who leaves and comes back, once,
 * as `userConnected`. That is the state every client must end up believing
 * whatever it already knew: a client that never saw the user ignores an unknown
 * departure, and a newcomer whose `users` list was taken while the user was
 * still there removes them. Eliding the pair altogether would leave such a
 * newcomer believing in a ghost. Memory is bounded by the users who changed in
 * one window (one entry each).
 *
 * With several instances each one batches what it announces; before a flush
 * the cluster-wide store is asked who is online now, and an announcement that
 * a newer change on another instance contradicts is dropped (that instance
 * announces the newer one), so windows on different instances cannot reorder
 * a user's departure after their return.
 */
@Injectable()
export class PresenceAnnouncer {
  private readonly logger = new Logger(PresenceAnnouncer.name);
  private pending = new Map<string, PresenceAnnouncement>();
  private timer?: NodeJS.Timeout;
  private lastFlush = -Infinity;
  private sink?: AnnouncementSink;
  /** After stop(): announcements go out at once (shutdown; no later window would come). */
  private immediate = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: PresenceStore) {}

  /** Where flushed announcements go (the gateway binds its namespace once it exists). */
  attach(sink: AnnouncementSink): void {
    this.sink = sink;
  }

  connected(user: ConnectedUser): void {
    this.queue(user.id, { event: 'userConnected', payload: { id: user.id, username: user.username } });
  }

  disconnected(userId: string): void {
    this.queue(userId, { event: 'userDisconnected', payload: { userId } });
  }

  /**
   * Shutdown: what is pending goes now, and from then on every announcement goes out at once, unchecked
   * (they are this instance's own departures), before the Redis connections close.
   */
  stop(): void {
    this.immediate = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.emitPending();
  }

  private queue(userId: string, announcement: PresenceAnnouncement): void {
    // Re-inserted so that the flush order is the order of each user's latest change.
    this.pending.delete(userId);
    this.pending.set(userId, announcement);
    if (this.immediate) {
      this.emitPending();
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.windowLeft());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  /** Milliseconds until a window has passed since the last push (negative once it has). */
  private windowLeft(): number {
    // The global clock (not perf_hooks's import): the one unit tests can move.
    return this.lastFlush + PRESENCE_WINDOW_MS - performance.now();
  }

  /** Flushes run one after the other, so two windows never interleave their announcements. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushNow());
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    // The window runs from the previous push, which went out only after its cluster-wide check: a timer set
    // while that check was under way counted from before it, and the two pushes could come closer than a window.
    const early = this.windowLeft();
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const checked = await this.stillTrue(batch);
    this.lastFlush = performance.now();
    this.emit(checked);
  }

  private emitPending(): void {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.emit(batch);
  }

  private emit(announcements: PresenceAnnouncement[]): void {
    if (!this.sink || announcements.length === 0) return;
    try {
      this.sink(announcements);
    } catch (error) {
      this.logger.error({ err: error }, 'presence announcement failed');
    }
  }

  /** Cluster-wide: only what the store still agrees with (one read per window); alone, the window's order is the truth. */
  private async stillTrue(batch: PresenceAnnouncement[]): Promise<PresenceAnnouncement[]> {
    if (!this.store.clusterWide) return batch;
    const userIds = batch.map(userIdOf);
    let online: Set<string>;
    try {
      // A Redis that stopped answering delays one window a little, not every announcement after it.
      online = await abandonAfter(this.store.onlineAmong(userIds), CHECK_TIMEOUT_MS);
    } catch {
      return batch;
    }
    return batch.filter((announcement) => (announcement.event === 'userConnected') === online.has(userIdOf(announcement)));
  }
}

function userIdOf(announcement: PresenceAnnouncement): string {
  return announcement.event === 'userConnected' ? announcement.payload.id : announcement.payload.userId;
}
