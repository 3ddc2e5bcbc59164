import { Injectable } from '@nestjs/common';
import type { ConnectedUser } from '../../../contracts/socket-events';
import { PresenceConnection, PresenceStore, PresenceUser } from './presence.store';

interface UserPresence {
  /** The user as `firstOnline` lists them: the same object in every list while they stay online. */
  entry: ConnectedUser;
  /** socket id → connectedAt (epoch ms). */
  sockets: Map<string, number>;
}

/** Presence of this process only: right for a single instance (no REDIS_URL). */
@Injectable()
export class InMemoryPresenceStore extends PresenceStore {
  /** In the order users came online: a user is inserted with their first socket and removed with their last. */
  private readonly byUser = new Map<string, UserPresence>();
  private connections = 0;
  /** `firstOnline`'s answer until someone comes or goes (another socket of an online user changes nothing). */
  private firstOnlineCache?: { limit: number; users: readonly ConnectedUser[] };

  async add({ userId, username, socketId, connectedAt }: PresenceConnection): Promise<{ first: boolean }> {
    let presence = this.byUser.get(userId);
    const first = presence === undefined;
    if (!presence) {
      presence = { entry: { id: userId, username }, sockets: new Map() };
      this.byUser.set(userId, presence);
      this.firstOnlineCache = undefined;
    }
    if (!presence.sockets.has(socketId)) this.connections += 1;
    presence.sockets.set(socketId, connectedAt);
    return { first };
  }

  async remove(userId: string, socketId: string): Promise<{ last: boolean }> {
    const presence = this.byUser.get(userId);
    if (!presence?.sockets.delete(socketId)) return { last: false };
    this.connections -= 1;
    if (presence.sockets.size > 0) return { last: false };
    this.byUser.delete(userId);
    this.firstOnlineCache = undefined;
    return { last: true };
  }

  async connectionCount(userId: string): Promise<number> {
    return this.byUser.get(userId)?.sockets.size ?? 0;
  }

  async users(): Promise<PresenceUser[]> {
    return Array.from(this.byUser, ([id, { entry, sockets }]) => {
      let since = Infinity;
      for (const connectedAt of sockets.values()) since = Math.min(since, connectedAt);
      return { id, username: entry.username, connections: sockets.size, connected_since: new Date(since).toISOString() };
    });
  }

  async firstOnline(limit: number): Promise<readonly ConnectedUser[]> {
    if (this.firstOnlineCache?.limit === limit) return this.firstOnlineCache.users;
    const users: ConnectedUser[] = [];
    for (const { entry } of this.byUser.values()) {
      if (users.length >= limit) break;
      users.push(entry);
    }
    this.firstOnlineCache = { limit, users };
    return users;
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((userId) => this.byUser.has(userId)));
  }

  async totalConnections(): Promise<number> {
    return this.connections;
  }
}
