/** Events on the in-process bus, so other modules (signaling) follow presence without importing a gateway. */
export const PRESENCE_EVENTS = {
  socketClosed: 'presence.socket_closed',
  /** Users whose last socket went without this instance seeing it close (another instance died, or a Redis outage). */
  departed: 'presence.departed',
} as const;

export interface PresenceDepartedEvent {
  userIds: string[];
}

export interface SocketClosedEvent {
  userId: string;
  socketId: string;
  /** True when this was the user's last socket on namespace `/`, cluster-wide. */
  lastConnection: boolean;
}
