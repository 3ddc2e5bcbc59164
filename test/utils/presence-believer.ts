import { performance } from 'node:perf_hooks';
import { connectRecording } from './sockets';

/** The announcer's window (PRESENCE_WINDOW_MS). */
export const WINDOW_MS = 100;
/** Events of one flush are written back to back: they reach the client within a few milliseconds of each other. */
export const SAME_BURST_MS = 25;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Arrival {
  at: number;
  event: 'userConnected' | 'userDisconnected';
  userId: string;
}

/**
 * A client that believes what namespace `/` tells it: the `users` list, then every
 * `userConnected` / `userDisconnected` applied in order. Every arrival is timed.
 */
export async function believer(url: string, accessToken: string) {
  const client = await connectRecording(url, accessToken, '/', { record: ['users'] });
  const arrivals: Arrival[] = [];
  const online = new Set<string>();
  let listed = false;
  const early: Arrival[] = [];
  const apply = ({ event, userId }: Arrival) => (event === 'userConnected' ? online.add(userId) : online.delete(userId));
  const record = (arrival: Arrival) => {
    arrivals.push(arrival);
    if (listed) apply(arrival);
    else early.push(arrival);
  };
  client.socket.on('userConnected', ({ id }: { id: string }) => record({ at: performance.now(), event: 'userConnected', userId: id }));
  client.socket.on('userDisconnected', ({ userId }: { userId: string }) => record({ at: performance.now(), event: 'userDisconnected', userId }));
  const users = await client.first<{ id: string; username: string }[]>('users', 5000);
  for (const { id } of users) online.add(id);
  listed = true;
  for (const arrival of early) apply(arrival);
  return { socket: client.socket, users, arrivals, online };
}

/** Arrivals grouped into pushes: a gap longer than `sameBurstMs` starts a new one. */
export function bursts(arrivals: Arrival[], sameBurstMs = SAME_BURST_MS): Arrival[][] {
  const groups: Arrival[][] = [];
  for (const arrival of arrivals) {
    const last = groups[groups.length - 1];
    if (last && arrival.at - last[last.length - 1].at <= sameBurstMs) last.push(arrival);
    else groups.push([arrival]);
  }
  return groups;
}
