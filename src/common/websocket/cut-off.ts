import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';

/**
 * What the writes still queued on a connection that is cut off fail with. Node
 * fails each queued chunk with the error its socket was destroyed with, or
 * else with a new error of its own, stack and all, per chunk: for a client that
 * stopped reading that is thousands of them, enough to hold the event loop for
 * tens of milliseconds when a sweep drops a hundred such clients at once.
 */
const CUT_OFF = new Error('connection cut off by the server');

/** Closes a websocket at once, without a close handshake that would wait behind its backlog. */
export function cutOff(ws: WebSocket | undefined): void {
  const raw = (ws as unknown as { _socket?: Duplex } | undefined)?._socket;
  // `ws` listens for the socket's errors and treats this one as the end of the connection.
  if (raw && !raw.destroyed) raw.destroy(CUT_OFF);
  ws?.terminate();
}
