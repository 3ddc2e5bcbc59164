import type { ConnectedUser } from './types';

/** Names kept for users seen this session: bounds the map for a long-open console. */
const MAX_KNOWN_NAMES = 5000;

/** Who is online, from the `users`, `userConnected` and `userDisconnected` events. */
export class Presence {
  private readonly online = new Set<string>();
  private readonly names = new Map<string, string>();
  private readonly listeners = new Set<() => void>();

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  reset(users: ConnectedUser[]): void {
    this.online.clear();
    for (const user of users) this.see(user);
    this.emit();
  }

  add(user: ConnectedUser): void {
    this.see(user);
    this.emit();
  }

  remove(userId: string): void {
    if (this.online.delete(userId)) this.emit();
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  list(): ConnectedUser[] {
    return [...this.online].map((id) => ({ id, username: this.nameOf(id) })).sort((a, b) => a.username.localeCompare(b.username));
  }

  /** A user's name when seen online this session, else a short form of the id. */
  nameOf(userId: string): string {
    return this.names.get(userId) ?? `user ${userId.slice(0, 8)}`;
  }

  private see(user: ConnectedUser): void {
    this.online.add(user.id);
    if (!this.names.has(user.id) && this.names.size >= MAX_KNOWN_NAMES) this.names.delete(this.names.keys().next().value!);
    this.names.set(user.id, user.username);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
