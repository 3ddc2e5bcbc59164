/**
 * Who is in which channel. A user is a member while at least one of their
 * connections (a /voice socket or a /ws socket) has joined; capacity counts
 * users, not connections. Every method is one atomic step so that a shared
 * implementation (Redis, for several instances) is a drop-in replacement of
 * the in-memory one: two joins racing for the last seat, one wins.
 */
export interface ChannelMembershipStore {
  /**
   * Adds `connectionId` of `userId` to the channel unless that would make more
   * than `capacity` distinct users. `firstConnection` is true when the user was
   * not a member before (the moment to announce UserJoined).
   */
  join(channelId: string, userId: string, connectionId: string, capacity: number): Promise<JoinOutcome>;
  /** `lastConnection` is true when the user is no longer a member (the moment to announce UserLeft). */
  leave(channelId: string, userId: string, connectionId: string): Promise<LeaveOutcome>;
  /** Member user ids, in joining order. */
  members(channelId: string): Promise<string[]>;
  /** Member counts of these channels (0 for an unknown one). */
  counts(channelIds: readonly string[]): Promise<Map<string, number>>;
  /** Channels the user is a member of, in joining order. */
  channelsOf(userId: string): Promise<string[]>;
  /** Number of channels with at least one member. */
  activeChannelCount(): Promise<number>;
  /** Drops the channel's membership; answers the user ids that were members. */
  removeChannel(channelId: string): Promise<string[]>;
  /** Drops every membership (admin reset); answers how many memberships went. */
  clear(): Promise<number>;
}

export type JoinOutcome = { status: 'joined'; firstConnection: boolean } | { status: 'full' };
export interface LeaveOutcome {
  left: boolean;
  lastConnection: boolean;
}

export const CHANNEL_MEMBERSHIP_STORE = Symbol('CHANNEL_MEMBERSHIP_STORE');

/**
 * One process's membership. Each method runs to completion without awaiting,
 * so on Node's single thread the capacity check and the insert are one step.
 */
export class InMemoryChannelMembershipStore implements ChannelMembershipStore {
  /** channel → user → that user's connections in the channel. Maps keep insertion (joining) order. */
  private readonly channels = new Map<string, Map<string, Set<string>>>();

  async join(channelId: string, userId: string, connectionId: string, capacity: number): Promise<JoinOutcome> {
    let users = this.channels.get(channelId);
    const connections = users?.get(userId);
    if (connections) {
      connections.add(connectionId);
      return { status: 'joined', firstConnection: false };
    }
    if ((users?.size ?? 0) >= capacity) return { status: 'full' };
    if (!users) {
      users = new Map();
      this.channels.set(channelId, users);
    }
    users.set(userId, new Set([connectionId]));
    return { status: 'joined', firstConnection: true };
  }

  async leave(channelId: string, userId: string, connectionId: string): Promise<LeaveOutcome> {
    const users = this.channels.get(channelId);
    const connections = users?.get(userId);
    if (!users || !connections?.delete(connectionId)) return { left: false, lastConnection: false };
    if (connections.size > 0) return { left: true, lastConnection: false };
    users.delete(userId);
    if (users.size === 0) this.channels.delete(channelId);
    return { left: true, lastConnection: true };
  }

  async members(channelId: string): Promise<string[]> {
    return [...(this.channels.get(channelId)?.keys() ?? [])];
  }

  async counts(channelIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(channelIds.map((id) => [id, this.channels.get(id)?.size ?? 0]));
  }

  async channelsOf(userId: string): Promise<string[]> {
    const joined: string[] = [];
    for (const [channelId, users] of this.channels) if (users.has(userId)) joined.push(channelId);
    return joined;
  }

  async activeChannelCount(): Promise<number> {
    return this.channels.size;
  }

  async removeChannel(channelId: string): Promise<string[]> {
    const users = this.channels.get(channelId);
    this.channels.delete(channelId);
    return [...(users?.keys() ?? [])];
  }

  async clear(): Promise<number> {
    let memberships = 0;
    for (const users of this.channels.values()) memberships += users.size;
    this.channels.clear();
    return memberships;
  }
}
