import { io, Socket } from 'socket.io-client';
import type { Session } from './session';

/**
 * A Socket.IO connection to one namespace, authenticated with the current
 * access token at every (re)connection. A handshake refused for an expired
 * token refreshes the session once and tries again.
 */
export function connectNamespace<Listen extends object, Emit extends object>(
  namespace: string,
  session: Session,
  onState: (state: string) => void,
): Socket<Listen & Record<string, (...args: never[]) => void>, Emit & Record<string, (...args: never[]) => void>> {
  const socket = io(namespace, {
    transports: ['websocket'],
    auth: (callback) => callback({ token: session.accessToken ?? '' }),
    reconnectionDelayMax: 5000,
  });
  let retriedAuth = false;
  socket.on('connect', () => {
    retriedAuth = false;
    onState('connected');
  });
  socket.on('disconnect', (reason) => onState(reason === 'io server disconnect' ? 'disconnected by the server' : 'reconnecting…'));
  socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
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
  return socket as never;
}
