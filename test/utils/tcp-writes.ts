import type { Socket as TcpSocket } from 'node:net';
import type { Socket } from 'socket.io';

/** The TCP socket under a server-side Socket.IO websocket connection, its writes to the kernel counted from now on. */
export function countWrites(socket: Socket): () => number {
  const tcp = (socket.conn as unknown as { transport: { socket: { _socket: TcpSocket & Record<'_write' | '_writev', (...args: unknown[]) => void> } } })
    .transport.socket._socket;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method].bind(tcp);
    tcp[method] = (...args: unknown[]) => {
      writes += 1;
      original(...args);
    };
  }
  return () => writes;
}
