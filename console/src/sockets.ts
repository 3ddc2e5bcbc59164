import { io, Socket } from 'socket.io-client';
import type { Session } from './session';

/**
 * A Socket.IO connection to one namespace, authenticated with the current
 * access token at every (re)connection. A handshake refused for an expired
 * token refreshes the session once and tries again.
 */
type EventMap = Record<string, (...args: any[]) => void>;

export function connectNamespace<Listen extends EventMap, Emit extends EventMap>(
  namespace: string,
  session: Session,
  onState: (state: string) => void,
): Socket<Listen, Emit> {
  const socket: Socket<Listen, Emit> = io(namespace, {
    transports: ['websocket'],
    auth: (callback) => callback({ token: session.accessToken ?? '' }),
    reconnectionDelayMax: 5000,
  });
  let retriedAuth = false;
  const events = socket as unknown as Socket;
  events.on('connect', () => {
    retriedAuth = false;
    onState('connected');
  });
  events.on('disconnect', (reason) => onState(reason === 'io server disconnect' ? 'disconnected by the server' : 'reconnecting…'));
  events.on('connect_error', (error: Error & { data?: { code?: string } }) => {
    const code = error.data?.code;
    if ((code === 'TOKEN_EXPIRED' || code === 'UNAUTHORIZED') && !retriedAuth) {
      retriedAuth = true;
      void session.refresh().then(
        (ok) => ok && socket.connect(),
        () => onState(`not connected: ${error.message}`),
      );
      return;
    }
    onState(`not connected: ${error.message}`);
  });
  return socket;
}
