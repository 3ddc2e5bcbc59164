import { Injectable, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '../../../config/env.validation';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { UserPrincipal } from '../../../common/auth/principal';
import { AppError } from '../../../common/errors/app-error';
import { MetricsSources } from '../../metrics/metrics-sources.service';
import { UserStatsService } from '../../stats/user-stats.service';
import { PRESENCE_EVENTS, PresenceDepartedEvent, SocketClosedEvent } from '../realtime.events';
import type { ConnectedUser } from '../../../contracts/socket-events';
import { PresenceStore, PresenceUser } from './presence.store';

export interface ConnectResult {
  /** The user's first socket: the others are told `userConnected`. */
  first: boolean;
  /** The new socket's `users` event: the first PRESENCE_FULL_LIST_MAX connected users (GET /api/users pages the rest). */
  users: readonly ConnectedUser[];
}

/**
 * Presence of namespace `/`: records sockets in the PresenceStore (cluster-wide
 * when backed by Redis), counts connections and session time into the user's
 * statistics, and announces closed sockets on the bus (signaling ends calls).
 */
@Injectable()
export class PresenceService implements OnModuleInit {
  /** Socket counts of this process per user: the synchronous figures metrics reads. */
  private readonly localSockets = new Map<string, number>();
  private localConnections = 0;
  /** A disconnect waits for its socket's pending add, so a slow store never keeps a ghost. */
  private readonly pendingAdds = new Map<string, Promise<unknown>>();
  private readonly fullListMax: number;

  constructor(
    private readonly store: PresenceStore,
    private readonly events: EventEmitter2,
    private readonly metrics: MetricsSources,
    private readonly stats: UserStatsService,
    config: ConfigService<Env, true>,
  ) {
    this.fullListMax = config.get('PRESENCE_FULL_LIST_MAX', { infer: true });
  }

  onModuleInit(): void {
    this.metrics.registerPresenceSource(() => ({ connected_users: this.localSockets.size, connections: this.localConnections }));
    this.store.onDepartures((userIds) => this.events.emit(PRESENCE_EVENTS.departed, { userIds } satisfies PresenceDepartedEvent));
  }

  async connect(principal: UserPrincipal, socketId: string, connectedAt: number): Promise<ConnectResult> {
    this.localSockets.set(principal.userId, (this.localSockets.get(principal.userId) ?? 0) + 1);
    this.localConnections += 1;
    this.stats.add(principal.userId, { total_connections: 1 });
    this.stats.seen(principal.userId, new Date(connectedAt));

    const adding = this.store.add({ userId: principal.userId, username: principal.username, socketId, connectedAt });
    this.pendingAdds.set(socketId, adding);
    try {
      const { first } = await adding;
      return { first, users: await this.store.firstOnline(this.fullListMax) };
    } finally {
      this.pendingAdds.delete(socketId);
    }
  }

  async disconnect(principal: UserPrincipal, socketId: string, connectedAt: number): Promise<{ last: boolean }> {
    const remaining = (this.localSockets.get(principal.userId) ?? 1) - 1;
    if (remaining > 0) this.localSockets.set(principal.userId, remaining);
    else this.localSockets.delete(principal.userId);
    this.localConnections -= 1;
    const now = Date.now();
    this.stats.add(principal.userId, { total_session_seconds: Math.round((now - connectedAt) / 1000) });
    this.stats.seen(principal.userId, new Date(now));

    await this.pendingAdds.get(socketId)?.catch(() => undefined);
    const { last } = await this.store.remove(principal.userId, socketId);
    this.events.emit(PRESENCE_EVENTS.socketClosed, { userId: principal.userId, socketId, lastConnection: last } satisfies SocketClosedEvent);
    return { last };
  }

  /**
   * `register`, a client announcing its user: the id (a string, or `{userId}`) must be the
   * authenticated user's own: a socket cannot register as someone else.
   */
  register(principal: UserPrincipal, payload: unknown): string {
    const userId = typeof payload === 'string' ? payload : isUserIdObject(payload) ? payload.userId : undefined;
    if (userId === undefined) throw new AppError('INVALID_INPUT', 'register expects the user id, as a string or {userId}');
    if (userId !== principal.userId) throw new AppError('PERMISSION_DENIED', 'Cannot register as another user');
    return userId;
  }

  /** Presence spans several instances (Redis). */
  get clusterWide(): boolean {
    return this.store.clusterWide;
  }

  connectionCount(userId: string): Promise<number> {
    return this.store.connectionCount(userId);
  }

  users(): Promise<PresenceUser[]> {
    return this.store.users();
  }

  totalConnections(): Promise<number> {
    return this.store.totalConnections();
  }
}

function isUserIdObject(payload: unknown): payload is { userId: string } {
  return typeof payload === 'object' && payload !== null && Object.keys(payload).length === 1 && typeof (payload as { userId?: unknown }).userId === 'string';
}
