import type { Readable } from 'node:stream';
import type { Socket } from 'socket.io';
import type WebSocket from 'ws';
import { cutOff } from './cut-off';
import { paceMessages } from './message-pacing';

/** The parts of an engine.io connection the backlog reads (not all in its public typings). */
interface EngineConnection {
  transport: { name: string; socket?: WebSocket };
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
  on(event: 'flush', listener: () => void): unknown;
}

/**
 * Bytes an engine.io connection has queued for its client: packets waiting in
 * engine.io's write buffer (counted as they are created, reset when flushed to
 * the transport) plus what the websocket under it has not written yet. A
 * client that stops reading makes this grow; reading it costs no iteration.
 */
class EngineBacklog {
  private queued = 0;
  private stopped = false;

  constructor(private readonly conn: EngineConnection) {
    conn.on('packetCreate', (packet) => {
      this.queued += sizeOf(packet.data);
    });
    conn.on('flush', () => {
      this.queued = 0;
    });
  }

  bytes(): number {
    const { transport } = this.conn;
    return this.queued + (transport.name === 'websocket' && transport.socket ? transport.socket.bufferedAmount : 0);
  }

  /** Hands over the client's messages one per turn of the event loop (see paceMessages); websocket transport only. */
  paceReading(): void {
    const { transport } = this.conn;
    if (transport.name === 'websocket') paceMessages(transport.socket);
  }

  /** Reads nothing more from the client (writes still go out): what it keeps sending stays in the kernel, unparsed. */
  stopReading(): void {
    this.stopped = true;
    rawSocketOf(this.conn)?.pause();
  }

  /**
   * Closes at once: the raw websocket is destroyed (a close handshake would queue behind the backlog), then
   * engine.io discards its buffer. Of a connection that stopped reading, what was read but not parsed yet is
   * discarded first: `ws` would otherwise parse it all on close, frame by frame, for a client already told to go.
   */
  drop(): void {
    const { transport } = this.conn;
    if (transport.name === 'websocket') {
      const raw = rawSocketOf(this.conn);
      if (this.stopped && raw) {
        raw.removeAllListeners('data');
        while (raw.read() !== null);
      }
      cutOff(transport.socket);
    }
    (this.conn as unknown as { close(discard: boolean): void }).close(true);
  }
}

/** The TCP socket under a websocket transport (`ws` keeps it as `_socket`). */
function rawSocketOf(conn: EngineConnection): Readable | undefined {
  const { transport } = conn;
  return transport.name === 'websocket' ? (transport.socket as unknown as { _socket?: Readable } | undefined)?._socket : undefined;
}

const backlogs = new WeakMap<object, EngineBacklog>();

/** The backlog of a socket's engine.io connection, tracked from the first call on (the adapter calls it on connection). */
export function backlogOf(socket: Pick<Socket, 'conn'>): { bytes(): number; paceReading(): void; stopReading(): void; drop(): void } {
  const conn = socket.conn as unknown as EngineConnection;
  let backlog = backlogs.get(conn);
  if (!backlog) {
    backlog = new EngineBacklog(conn);
    backlogs.set(conn, backlog);
  }
  return backlog;
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (Buffer.isBuffer(data) || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
