import type { ConnectedUser } from '../../../contracts/socket-events';

/** One live socket of a user on namespace `/`. */
export interface PresenceConnection {
  userId: string;
  username: string;
  socketId: string;
  /** Epoch milliseconds. */
  connectedAt: number;
}

/** A connected user, as `GET /api/users?details=true` lists it. */
export interface PresenceUser {
  id: string;
  username: string;
  connections: number;
  /** ISO-8601: when the user's oldest live socket connected. */
  connected_since: string;
}

/**
 * Who is connected, with how many sockets, since when. The single source of
 * presence: the in-memory implementation serves one process; a Redis one makes
 * several instances act as one (SPEC section 8) without touching its callers.
 */
export abstract class PresenceStore {
  /** Other instances share this presence: their clients must hear of departures even while this instance stops. */
  readonly clusterWide: boolean = false;

  /** Records a socket; `first` is true when the user had no other socket. */
  abstract add(connection: PresenceConnection): Promise<{ first: boolean }>;

  /** Forgets a socket; `last` is true when the user has no socket left. Unknown sockets are ignored. */
  abstract remove(userId: string, socketId: string): Promise<{ last: boolean }>;

  /** How many sockets the user has (0 when offline). */
  abstract connectionCount(userId: string): Promise<number>;

  /** The connected users, longest online first: the order `firstOnline` and `GET /api/users` pages follow. */
  abstract users(): Promise<PresenceUser[]>;

  /**
   * The first `limit` connected users (as `users()` orders them), for the `users` event of every new
   * socket: kept between changes, so a connect does not cost a pass over everyone online. The array is
   * shared by every caller until the next change: never modify it.
   */
  abstract firstOnline(limit: number): Promise<readonly ConnectedUser[]>;

  /** Which of these users are online now (cluster-wide). */
  abstract onlineAmong(userIds: readonly string[]): Promise<Set<string>>;

  /** Sockets of every user. */
  abstract totalConnections(): Promise<number>;

  /**
   * Users who left without a disconnect this process handled: the sockets of an
   * instance that died, or that closed while Redis was away. A single process
   * sees every disconnect itself, so the in-memory store never calls it.
   */
  onDepartures(listener: (userIds: string[]) => void): void {
    void listener;
  }
}
