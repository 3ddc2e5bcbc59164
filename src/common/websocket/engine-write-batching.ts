import type { Writable } from 'node:stream';
import type { Socket } from 'socket.io';

/** The parts of an engine.io connection the batching reads (not all in its public typings). */
interface EngineConnection {
  transport: { name: string; socket?: { _socket?: Writable } };
  on(event: 'flush', listener: (packets: readonly unknown[]) => void): unknown;
  on(event: 'drain', listener: () => void): unknown;
}

const batched = new WeakSet<object>();

/**
 * engine.io hands the packets it buffered while a write was in flight to its
 * websocket transport in one go, but `ws` writes each as its own frame: one
 * system call per packet. Corking the TCP socket for the duration of that
 * hand-over (engine.io emits `flush` before it and `drain` right after, in the
 * same tick) sends them in one write. This is what makes a burst cheap: the
 * replies to a client's burst of events (refusals of a flood among them) or
 * audio that piled up for a listener.
 */
export function batchWrites(socket: Pick<Socket, 'conn'>): void {
  const conn = socket.conn as unknown as EngineConnection;
  if (batched.has(conn)) return;
  batched.add(conn);
  let corked: Writable | undefined;
  conn.on('flush', (packets) => {
    const { transport } = conn;
    if (packets.length < 2 || transport.name !== 'websocket') return;
    corked = transport.socket?._socket;
    corked?.cork();
  });
  conn.on('drain', () => {
    corked?.uncork();
    corked = undefined;
  });
}
