import type { Writable } from 'node:stream';
import type { Server, Socket } from 'socket.io';

/** The parts of an engine.io connection the batching reads (not all in its public typings). */
interface EngineConnection {
  transport: { name: string; socket?: { _socket?: Writable } };
}

/** A connection writeTogether holds: engine.io flushes its buffer only to a writable transport. */
interface HeldConnection {
  transport: { name: string; writable: boolean };
  flush(): void;
}

interface EngineServer {
  on(event: 'flush', listener: (conn: EngineConnection, packets: readonly unknown[]) => void): unknown;
  on(event: 'drain', listener: (conn: EngineConnection) => void): unknown;
}

/**
 * engine.io hands the packets it buffered while a write was in flight to its
 * websocket transport in one go, but `ws` writes each as its own frame: one
 * system call per packet. Corking the TCP socket for the duration of that
 * hand-over (engine.io emits `flush` before it and `drain` right after, in the
 * same tick, on the connection and on the engine server) sends them in one
 * write. This is what makes a burst cheap: the replies to a client's burst of
 * events (refusals of a flood among them) or audio that piled up for a
 * listener. Two listeners on the engine server, none per connection.
 */
export function batchWrites(server: Pick<Server, 'engine'>): void {
  const engine = server.engine as unknown as EngineServer;
  let corked: Writable | undefined;
  engine.on('flush', (conn, packets) => {
    if (packets.length < 2 || conn.transport.name !== 'websocket') return;
    corked = conn.transport.socket?._socket;
    corked?.cork();
  });
  engine.on('drain', () => {
    corked?.uncork();
    corked = undefined;
  });
}

/**
 * Runs `send` (broadcasts) with every local websocket connection held, so a
 * burst of broadcasts reaches each connection in one write instead of one per
 * event: while its transport reads as not writable, engine.io only buffers
 * what is sent; released, the connection flushes the whole burst at once, in
 * one write through batchWrites.
 */
export function writeTogether(sockets: ReadonlyMap<string, Pick<Socket, 'conn'>>, send: () => void): void {
  const held: HeldConnection[] = [];
  for (const socket of sockets.values()) {
    const conn = socket.conn as unknown as HeldConnection;
    // A transport already writing keeps what it is given for its next flush anyway.
    if (conn.transport.name !== 'websocket' || !conn.transport.writable) continue;
    conn.transport.writable = false;
    held.push(conn);
  }
  try {
    send();
  } finally {
    for (const conn of held) {
      conn.transport.writable = true;
      conn.flush();
    }
  }
}
