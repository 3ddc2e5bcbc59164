import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { corsOrigins, originAllowed } from '../../config/cors';
import type { Env } from '../../config/env.validation';
import { Authenticator } from '../auth/authenticator';
import { credentialsFromUpgrade, hasUserCredential } from '../auth/credentials';
import type { UserPrincipal } from '../auth/principal';
import { AppError, toWsError } from '../errors/app-error';
import { clientIp, TrustProxyFn, trustProxyOf } from '../net/client-ip';
import { cutOff } from './cut-off';
import { refuseUpgrade } from './http-refusal';
import { paceMessages } from './message-pacing';
import { PacedDrops } from './paced-drops';
import { PushEvent, PushEventMap, RealtimePublisher, RealtimeTransport } from './realtime.publisher';
import { CongestionClock, ConnectionLimiter, SocketLimits } from './socket-limits';
import { SocketMetrics } from './socket-metrics';
import { MAX_SOCKET_MESSAGE_BYTES } from './socket.types';

const PATH = '/ws';
/** Pushes a plain WebSocket client receives, as `{type, …payload}`; the others are Socket.IO-only. */
const PUSHED_EVENTS: ReadonlySet<string> = new Set(['user_created', 'user_deleted', 'UPDATE_SCORE', 'message']);
const CLOSE_POLICY = 1008;
const CLOSE_GOING_AWAY = 1001;
/** How long a persistent offender has to complete its close before its socket is destroyed. */
const OFFENDER_CLOSE_MS = 1000;
/** How often clients are checked for an outgoing buffer that stayed over its cap. */
const CONGESTION_SWEEP_MS = 500;

/** One authenticated `/ws` connection, as protocol handlers see it. */
export interface PlainWsClient {
  readonly id: string;
  readonly principal: UserPrincipal;
  /**
   * Whether the client asked for binary frames (`?binary=1` on the upgrade);
   * a client that did not only ever receives JSON text frames.
   */
  readonly acceptsBinary: boolean;
  /** A text or binary frame, dropped when the socket is no longer open. */
  send(data: string | Buffer): void;
  /** A frame that may be lost (audio): not sent, and false, while the client's outgoing buffer is over its cap. */
  sendDroppable(data: string | Buffer): boolean;
  /** An `Error {error_code, message}` frame. */
  sendError(error: unknown): void;
  /** A protocol ping; the handler's `pong` hears the round trip. Every WebSocket client answers by itself. */
  ping(): void;
  close(code: number, reason: string): void;
}

/**
 * A protocol spoken over `/ws`: the JSON message types (and binary frame
 * types) it handles. Feature modules register theirs; the server does the
 * rest (upgrade, CORS, authentication, the client registry, pushes).
 */
export interface PlainWsProtocol {
  /** JSON `type` values this protocol answers. */
  readonly messageTypes: readonly string[];
  /** A binary frame's first byte → the event it carries (its name in the metrics), for the frames this protocol answers. */
  readonly binaryTypes?: ReadonlyMap<number, string>;
  opened(client: PlainWsClient): void;
  closed(client: PlainWsClient): Promise<void>;
  /** `arrival` is performance.now() when the frame arrived. A thrown error is sent to the client as an Error frame. */
  message(client: PlainWsClient, type: string, message: Record<string, unknown>, arrival: number): Promise<void> | void;
  binary?(client: PlainWsClient, frame: Buffer, arrival: number): void;
  pong?(client: PlainWsClient, rttMs: number): void;
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The plain WebSocket endpoint `/ws` for clients without Socket.IO, served by
 * the `ws` library in noServer mode on the app's HTTP server (only upgrades
 * whose path is /ws; Socket.IO's are left alone) and on WS_PORT when set.
 * Upgrades are checked against the CORS allow-list and authenticated before
 * the connection exists; frames are at most 64 KB (a larger one closes that
 * socket alone with 1009). JSON frames go to the protocol registered for
 * their `type`; the server is also a RealtimePublisher transport.
 */
@Injectable()
export class PlainWsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PlainWsServer.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_MESSAGE_BYTES, clientTracking: false });
  private readonly clients = new Map<string, Client>();
  private readonly slowDrops = new PacedDrops<Client>((client) => {
    this.logger.warn({ user: client.principal.userId, bytes: client.bufferedBytes }, 'dropping a /ws client that does not read');
    this.metrics.socketDropped(PATH, 'slow_consumer');
    client.terminate();
  });
  private readonly protocols: PlainWsProtocol[] = [];
  private readonly byType = new Map<string, PlainWsProtocol>();
  private readonly byBinaryType = new Map<number, { protocol: PlainWsProtocol; event: string }>();
  private readonly allowedOrigins: ReadonlySet<string>;
  private httpServer?: Server;
  /** The upgrade listeners that were on the HTTP server (engine.io's), restored on shutdown. */
  private otherUpgradeListeners: UpgradeListener[] = [];
  private portServer?: Server;
  private unregisterPush?: () => void;
  private trust: TrustProxyFn = trustProxyOf(undefined);
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly config: ConfigService<Env, true>,
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    private readonly metrics: SocketMetrics,
    private readonly publisher: RealtimePublisher,
    private readonly limits: SocketLimits,
  ) {
    this.allowedOrigins = new Set(corsOrigins(config));
  }

  /** Called by feature modules while they initialise; a message type belongs to one protocol. */
  register(protocol: PlainWsProtocol): void {
    for (const type of protocol.messageTypes) {
      if (this.byType.has(type)) throw new Error(`/ws message type ${type} is registered twice`);
      this.byType.set(type, protocol);
    }
    for (const [type, event] of protocol.binaryTypes ?? []) this.byBinaryType.set(type, { protocol, event });
    this.protocols.push(protocol);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unregisterPush = this.publisher.registerTransport(new PlainWsPushTransport(this.clients));
    // A standalone application context (the seed script) has no HTTP server: nothing to serve.
    const httpAdapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (!httpAdapter) return;
    this.httpServer = httpAdapter.getHttpServer() as Server;
    this.trust = trustProxyOf(httpAdapter.getInstance());
    this.sweep = setInterval(() => this.dropSlowConsumers(), Math.min(CONGESTION_SWEEP_MS, this.limits.slowGraceMs));
    this.sweep.unref();
    // engine.io ends any upgrade it does not handle that has written nothing after 1 s
    // (its destroyUpgrade), which would cut a /ws handshake still authenticating under
    // load. So one dispatcher sends /ws to this server and every other upgrade,
    // untouched, to the listeners that were there (Socket.IO's).
    this.otherUpgradeListeners = this.httpServer.listeners('upgrade') as UpgradeListener[];
    this.httpServer.removeAllListeners('upgrade');
    this.httpServer.on('upgrade', this.dispatchUpgrade);
    const wsPort = this.config.get('WS_PORT', { infer: true });
    if (wsPort !== undefined) {
      const server = createServer((_, response) => {
        response.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('Upgrade Required');
      });
      server.on('upgrade', this.onUpgrade);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject).listen(wsPort, this.config.get('HOST', { infer: true }), () => resolve());
      });
      this.portServer = server;
      this.logger.log(`plain WebSocket endpoint also on port ${this.extraPort}`);
    }
  }

  /** The port of the WS_PORT listener (the one the OS picked for WS_PORT=0), when there is one. */
  get extraPort(): number | undefined {
    const address = this.portServer?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweep);
    this.unregisterPush?.();
    if (this.httpServer) {
      this.httpServer.off('upgrade', this.dispatchUpgrade);
      for (const listener of this.otherUpgradeListeners) this.httpServer.on('upgrade', listener);
    }
    const clients = [...this.clients.values()];
    for (const client of clients) client.close(CLOSE_GOING_AWAY, 'Server shutting down');
    await Promise.all(clients.map((client) => this.closed(client)));
    if (this.portServer) await new Promise<void>((resolve) => this.portServer!.close(() => resolve()));
  }

  private readonly dispatchUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(request) === PATH) this.onUpgrade(request, socket, head);
    else for (const listener of this.otherUpgradeListeners) listener.call(this.httpServer, request, socket, head);
  };

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== PATH) {
      refuseUpgrade(request, socket, { code: 'NOT_FOUND', path: PATH });
      return;
    }
    socket.on('error', () => socket.destroy());
    if (!originAllowed(request.headers.origin, request.headers.host, this.allowedOrigins)) {
      refuseUpgrade(request, socket, { code: 'PERMISSION_DENIED', path: PATH, message: 'Origin not allowed by CORS' });
      return;
    }
    const retryAfterMs = this.limits.handshakes.take(clientIp(request, this.trust), performance.now());
    if (retryAfterMs > 0) {
      this.metrics.handshakeRefused(PATH);
      const headers = { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) };
      this.limits.handshakeRefusals.hold(() => refuseUpgrade(request, socket, { code: 'RATE_LIMITED', path: PATH, headers }));
      return;
    }
    const credential = credentialsFromUpgrade(request.headers, url.searchParams);
    if (!hasUserCredential(credential)) {
      refuseUpgrade(request, socket, { code: 'UNAUTHORIZED', path: PATH });
      return;
    }
    this.authenticator.authenticate(credential).then(
      (principal) => {
        if (socket.destroyed) return;
        const cooldownMs = this.limits.offenders.retryAfterMs(principal.sessionId, performance.now());
        if (cooldownMs > 0) {
          this.metrics.handshakeRefused(PATH);
          refuseUpgrade(request, socket, { code: 'RATE_LIMITED', path: PATH, headers: { 'Retry-After': String(Math.ceil(cooldownMs / 1000)) } });
          return;
        }
        const acceptsBinary = url.searchParams.get('binary') === '1';
        this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, principal, acceptsBinary));
      },
      (error: unknown) => {
        if (error instanceof AppError && (error.code === 'UNAUTHORIZED' || error.code === 'TOKEN_EXPIRED'))
          refuseUpgrade(request, socket, { code: error.code, path: PATH });
        else {
          this.logger.error({ err: error }, '/ws upgrade authentication failed');
          refuseUpgrade(request, socket, { code: 'SERVICE_UNAVAILABLE', path: PATH });
        }
      },
    );
  };

  private accept(ws: WebSocket, principal: UserPrincipal, acceptsBinary: boolean): void {
    const client = new Client(randomUUID(), principal, ws, acceptsBinary, this.limits, () => this.metrics.outboundDropped(PATH));
    this.clients.set(client.id, client);
    this.metrics.socketOpened(PATH);
    for (const protocol of this.protocols) protocol.opened(client);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const arrival = performance.now();
      if (isBinary) this.binary(client, data, arrival);
      else void this.text(client, data, arrival);
    });
    ws.on('pong', () => {
      const rttMs = client.pong();
      if (rttMs === null) return;
      for (const protocol of this.protocols) protocol.pong?.(client, rttMs);
    });
    // A frame over 64 KB: ws reports it here and closes this socket alone with 1009.
    ws.on('error', (error) => this.logger.debug(`/ws client error: ${error.message}`));
    // A protocol's cleanup may need a store that is away (Redis): log it, never an unhandled rejection.
    ws.once('close', () => void this.closed(client).catch((error: Error) => this.logger.warn(`/ws close cleanup failed: ${error.message}`)));
  }

  private async closed(client: Client): Promise<void> {
    if (!this.clients.delete(client.id)) return;
    this.metrics.socketClosed(PATH);
    await Promise.all(this.protocols.map((protocol) => protocol.closed(client)));
  }

  private async text(client: Client, data: Buffer, arrival: number): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.metrics.socketEvent(PATH, 'invalid');
      client.sendError(new AppError('INVALID_INPUT', 'Malformed JSON'));
      return;
    }
    const type = typeof message === 'object' && message !== null && !Array.isArray(message) ? (message as { type?: unknown }).type : undefined;
    const protocol = typeof type === 'string' ? this.byType.get(type) : undefined;
    this.metrics.socketEvent(PATH, protocol ? (type as string) : 'invalid');
    if (!this.admit(client, protocol ? (type as string) : 'invalid')) return;
    try {
      if (!protocol) throw new AppError('INVALID_INPUT', `type must be one of ${[...this.byType.keys()].join(', ')}`);
      await protocol.message(client, type as string, message as Record<string, unknown>, arrival);
    } catch (error) {
      client.sendError(error);
    }
  }

  /** The client's budget for this event's class: false (answered RATE_LIMITED, or the client closed) when over it. */
  private admit(client: Client, event: string): boolean {
    const eventClass = this.limits.classOf(event);
    const admission = client.limiter.admit(eventClass, performance.now());
    if (admission === 'accept') return true;
    if (admission === 'pace') {
      client.paceReading();
      return true;
    }
    if (admission === 'ignore') return false;
    this.metrics.eventRefused(PATH, eventClass);
    // What else this client sent in the same read waits its turn behind the other connections.
    client.paceReading();
    if (admission === 'disconnect') {
      this.metrics.socketDropped(PATH, 'rate_limit');
      this.limits.offenders.punish(client.principal.sessionId, performance.now());
      client.stopReading();
      client.close(CLOSE_POLICY, 'Too many events');
      setTimeout(() => client.terminate(), OFFENDER_CLOSE_MS).unref();
    } else {
      client.sendError(new AppError('RATE_LIMITED', `Too many ${eventClass} events; slow down`));
    }
    return false;
  }

  private dropSlowConsumers(): void {
    const now = performance.now();
    const slow: Client[] = [];
    for (const client of this.clients.values()) if (client.congestion.isSlow(client.bufferedBytes, now)) slow.push(client);
    this.slowDrops.dropAll(slow);
  }

  private binary(client: Client, frame: Buffer, arrival: number): void {
    const handler = frame.length > 0 ? this.byBinaryType.get(frame[0]) : undefined;
    this.metrics.socketEvent(PATH, handler ? handler.event : 'invalid');
    if (!this.admit(client, handler ? handler.event : 'invalid')) return;
    try {
      if (!handler?.protocol.binary) throw new AppError('INVALID_INPUT', 'Unknown binary frame type');
      handler.protocol.binary(client, frame, arrival);
    } catch (error) {
      client.sendError(error);
    }
  }
}

class Client implements PlainWsClient {
  private pingSentAt = 0;
  readonly limiter: ConnectionLimiter;
  readonly congestion: CongestionClock;

  constructor(
    readonly id: string,
    readonly principal: UserPrincipal,
    private readonly ws: WebSocket,
    readonly acceptsBinary: boolean,
    private readonly limits: SocketLimits,
    private readonly dropped: () => void,
  ) {
    this.limiter = limits.forConnection();
    this.congestion = new CongestionClock(limits);
  }

  /** Bytes written to this client and not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  send(data: string | Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // Replies and pushes are few and small; a client so far behind that even they pile up is cut off now.
    if (this.ws.bufferedAmount > this.limits.outboundHardCapBytes) this.ws.terminate();
    else this.ws.send(data);
  }

  sendDroppable(data: string | Buffer): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return true;
    if (this.ws.bufferedAmount > this.limits.outboundCapBytes) {
      this.dropped();
      return false;
    }
    this.ws.send(data);
    return true;
  }

  /** Reads nothing more from the client (a persistent offender): what it keeps sending stays in the kernel, unparsed. */
  stopReading(): void {
    (this.ws as unknown as { _socket?: { pause(): void } })._socket?.pause();
  }

  paceReading(): void {
    paceMessages(this.ws);
  }

  /** Closes at once, without a close handshake that would wait behind the backlog. */
  terminate(): void {
    cutOff(this.ws);
  }

  sendError(error: unknown): void {
    this.send(JSON.stringify({ type: 'Error', ...toWsError(error) }));
  }

  ping(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.pingSentAt = performance.now();
    this.ws.ping();
  }

  /** The round trip of the outstanding ping, or null when none was outstanding. */
  pong(): number | null {
    if (this.pingSentAt === 0) return null;
    const rttMs = performance.now() - this.pingSentAt;
    this.pingSentAt = 0;
    return rttMs;
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}

/** The /ws side of the RealtimePublisher: account pushes and session / user disconnects. */
class PlainWsPushTransport implements RealtimeTransport {
  readonly name = 'ws';
  readonly events = PUSHED_EVENTS;

  constructor(private readonly clients: Map<string, Client>) {}

  toUser<E extends PushEvent>(userId: string, event: E, payload: PushEventMap[E]): void {
    if (!this.events.has(event)) return;
    const text = JSON.stringify({ type: event, ...(payload as object) });
    for (const client of this.clients.values()) if (client.principal.userId === userId) client.send(text);
  }

  toAll<E extends PushEvent>(event: E, payload: PushEventMap[E]): void {
    if (!this.events.has(event)) return;
    const text = JSON.stringify({ type: event, ...(payload as object) });
    for (const client of this.clients.values()) client.send(text);
  }

  disconnectSession(sessionId: string): void {
    for (const client of this.clients.values()) {
      if (client.principal.sessionId === sessionId) client.close(CLOSE_POLICY, 'Session revoked');
    }
  }

  disconnectUser(userId: string): void {
    for (const client of this.clients.values()) {
      if (client.principal.userId === userId) client.close(CLOSE_POLICY, 'Session revoked');
    }
  }
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
