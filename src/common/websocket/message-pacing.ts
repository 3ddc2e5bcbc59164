import type WebSocket from 'ws';

/** Where `ws` keeps the setting (an option of the receiver's constructor only). */
interface WithReceiver {
  _receiver?: { _allowSynchronousEvents?: boolean };
}

/**
 * From now on, hands over the connection's messages one per turn of the event
 * loop. `ws` emits every message of a read in one go, which is the cheap path
 * for a client within its budget; but a flooding client has thousands of small
 * frames in one read, and emitting them in one go holds the loop while every
 * other connection waits. Called once a connection runs a few events ahead of its rate.
 */
export function paceMessages(ws: WebSocket | undefined): void {
  const receiver = (ws as WithReceiver | undefined)?._receiver;
  if (receiver && typeof receiver._allowSynchronousEvents === 'boolean') receiver._allowSynchronousEvents = false;
}
