import { Injectable } from '@nestjs/common';
import { PresenceConnection, PresenceStore, PresenceUser } from './presence.store';

interface UserPresence {
  username: string;
  /** socket id → connectedAt (epoch ms). */
  sockets: Map<string, number>;
}

/** Presence of this process only: right for a single instance (no REDIS_URL). */
@Injectable()
export class InMemoryPresenceStore extends PresenceStore {
  private readonly byUser = new Map<string, UserPresence>();
  private connections = 0;

  async add({ userId, username, socketId, connectedAt }: PresenceConnection): Promise<{ first: boolean }> {
    let presence = this.byUser.get(userId);
    const first = presence === undefined;
    if (!presence) {
      presence = { username, sockets: new Map() };
      this.byUser.set(userId, presence);
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
    return { last: true };
  }

  async connectionCount(userId: string): Promise<number> {
    return this.byUser.get(userId)?.sockets.size ?? 0;
  }

  async users(): Promise<PresenceUser[]> {
    const users = [...this.byUser].map(([id, { username, sockets }]) => ({
      id,
      username,
      connections: sockets.size,
      since: Math.min(...sockets.values()),
    }));
    users.sort((a, b) => a.since - b.since);
    return users.map(({ since, ...user }) => ({ ...user, connected_since: new Date(since).toISOString() }));
  }

  async totalConnections(): Promise<number> {
    return this.connections;
  }
}
