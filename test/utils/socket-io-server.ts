import { createServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server, Socket } from 'socket.io';

/** A Socket.IO server on a plain HTTP server, listening on a free loopback port: the server and its base URL. */
export async function listeningSocketIo(): Promise<{ server: Server; url: string }> {
  const http = createServer();
  const server = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

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
