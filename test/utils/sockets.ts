import { io, Socket } from 'socket.io-client';

export type ClientSocket = Socket;

export interface ConnectOptions {
  /** Handshake `auth` object; default `{token}` (the access JWT). */
  auth?: Record<string, unknown>;
  extraHeaders?: Record<string, string>;
  /** Events to record from the very first packet (listeners added after `connect` could miss them). */
  record?: string[];
}

/** A connected client plus the events it recorded from the start. */
export interface ConnectedClient {
  socket: ClientSocket;
  /** Resolves with the first payload of a recorded event (already received or still to come). */
  first: <T = unknown>(event: string, ms?: number) => Promise<T>;
}

/**
 * A fresh Socket.IO client (no multiplexing, no reconnection, websocket only)
 * on `namespace`, authenticated with `token`; resolves once connected, rejects
 * with the `connect_error`.
 */
export function connectAs(url: string, token: string | null, namespace = '/', options: ConnectOptions = {}): Promise<ClientSocket> {
  return connectRecording(url, token, namespace, options).then(({ socket }) => socket);
}

export function connectRecording(url: string, token: string | null, namespace = '/', options: ConnectOptions = {}): Promise<ConnectedClient> {
  const socket = io(`${url}${namespace === '/' ? '' : namespace}`, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    auth: options.auth ?? (token ? { token } : {}),
    extraHeaders: options.extraHeaders,
    timeout: 5000,
  });
  const recorded = new Map<string, Promise<unknown>>();
  for (const event of options.record ?? []) {
    recorded.set(event, new Promise((resolve) => socket.once(event, resolve)));
  }
  const first = <T>(event: string, ms = 2000): Promise<T> => {
    const pending = recorded.get(event);
    if (!pending) throw new Error(`event ${event} is not recorded`);
    return withTimeout(pending as Promise<T>, ms, `no ${event} event within ${ms} ms`);
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, first }));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** The handshake refusal (`connect_error`) of a connection attempt. */
export async function connectError(url: string, token: string | null, namespace = '/', options: ConnectOptions = {}) {
  try {
    const socket = await connectAs(url, token, namespace, options);
    socket.close();
  } catch (error) {
    return error as Error & { data?: { code?: string; retryAfterMs?: number } };
  }
  throw new Error('the connection was accepted');
}

/** The next payload of `event`; rejects after `ms`. */
export function waitFor<T = unknown>(socket: ClientSocket, event: string, ms = 2000): Promise<T> {
  return withTimeout(new Promise<T>((resolve) => socket.once(event, (payload: T) => resolve(payload))), ms, `no ${event} event within ${ms} ms`).finally(() =>
    socket.off(event),
  );
}

/** The next `n` payloads of `event`, in order. */
export function collect<T = unknown>(socket: ClientSocket, event: string, n: number, ms = 2000): Promise<T[]> {
  const payloads: T[] = [];
  let listener: (payload: T) => void = () => undefined;
  return withTimeout(
    new Promise<T[]>((resolve) => {
      listener = (payload) => {
        payloads.push(payload);
        if (payloads.length === n) resolve(payloads);
      };
      socket.on(event, listener);
    }),
    ms,
    `${payloads.length}/${n} ${event} events within ${ms} ms`,
  ).finally(() => socket.off(event, listener));
}

/** Resolves if `event` does not arrive within `ms`; rejects with its payload if it does. */
export function expectNoEvent(socket: ClientSocket, event: string, ms = 300): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (payload: unknown) => {
      clearTimeout(timer);
      reject(new Error(`unexpected ${event}: ${JSON.stringify(payload)}`));
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      resolve();
    }, ms);
    socket.once(event, listener);
  });
}

/** Emits with an acknowledgement callback and resolves with the server's answer. */
export function emitWithAck<T = Record<string, unknown>>(socket: ClientSocket, event: string, payload: unknown, ms = 2000): Promise<T> {
  return socket.timeout(ms).emitWithAck(event, payload) as Promise<T>;
}

/** Resolves when the socket is disconnected, with the reason. */
export function disconnected(socket: ClientSocket, ms = 2000): Promise<string> {
  if (socket.disconnected) return Promise.resolve('already disconnected');
  return withTimeout(new Promise<string>((resolve) => socket.once('disconnect', resolve)), ms, `still connected after ${ms} ms`);
}

/**
 * Kills the connection without a Socket.IO goodbye: the TCP connection is
 * destroyed under the client, as when a browser tab crashes or the network drops.
 */
export function killTransport(socket: ClientSocket): void {
  const transport = socket.io.engine.transport as unknown as { ws?: { _socket?: { destroy(): void } } };
  const raw = transport.ws?._socket;
  if (!raw) throw new Error('no raw TCP socket under this client');
  raw.destroy();
}

/** Stops (or resumes) reading the client's TCP connection: a client that stops reading, as a stalled tab or network does. */
export function pauseReading(socket: ClientSocket, paused = true): void {
  const transport = socket.io.engine.transport as unknown as { ws?: { _socket?: { pause(): void; resume(): void } } };
  const raw = transport.ws?._socket;
  if (!raw) throw new Error('no raw TCP socket under this client');
  if (paused) raw.pause();
  else raw.resume();
}

export function closeAll(...sockets: (ClientSocket | undefined)[]): void {
  for (const socket of sockets) socket?.close();
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
