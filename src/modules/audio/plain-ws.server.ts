import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { createServer, IncomingMessage, Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { corsOrigins } from '../../app.setup';
import { Authenticator } from '../../common/auth/authenticator';
import { credentialsFromUpgrade, hasUserCredential } from '../../common/auth/credentials';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError, toWsError } from '../../common/errors/app-error';
import { ERROR_CATALOGUE, ErrorCode } from '../../common/errors/error-codes';
import { validationError } from '../../common/validation/validation.pipe';
import { PushEvent, PushEventMap, RealtimePublisher, RealtimeTransport } from '../../common/websocket/realtime.publisher';
import { MAX_SOCKET_MESSAGE_BYTES } from '../../common/websocket/socket.types';
import type { Env } from '../../config/env.validation';
import { MetricsRecorder } from '../metrics/metrics-recorder.service';
import { parseAudioData } from './audio-packet.parser';
import { VoiceChannelDto } from './dto/voice-channel.dto';
import { VoiceService } from './voice.service';
import type { AudioPacket, ChannelConnections, VoiceConnection, VoiceEvent, VoiceEventMap, VoiceTransport } from './voice.types';
import { BINARY_AUDIO, bytesToUuid, CLIENT_HEADER_BYTES, encodeServerFrame, FLAG_SEQ, FLAG_TIMESTAMP } from './ws-binary';

const PATH = '/ws';
const NAMESPACE = '/ws';
/** Seed 000 / 001 events a plain WebSocket client receives, as `{type, …payload}`. */
const PUSHED_EVENTS: ReadonlySet<string> = new Set(['user_created', 'user_deleted', 'UPDATE_SCORE', 'message']);
const CLOSE_POLICY = 1008;
const CLOSE_GOING_AWAY = 1001;

interface WsClient {
  readonly ws: WebSocket;
  readonly connection: VoiceConnection;
  pingSentAt: number;
  /** The last binary frame's channel id, bytes and string: a sender's frames nearly always name the same channel. */
  lastChannelBytes: Buffer | null;
  lastChannelId: string;
}

/**
 * The plain WebSocket endpoint `/ws` for clients without Socket.IO: seed 004's
 * JSON voice protocol, a binary fast path for audio (ws-binary.ts), and seed
 * 000's pushes. Served by the `ws` library in noServer mode on the app's HTTP
 * server (only upgrades whose path is /ws; Socket.IO's are left alone) and on
 * WS_PORT when set. Authenticated at the upgrade; 64 KB frames at most (1009).
 */
@Injectable()
export class PlainWsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PlainWsServer.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SOCKET_MESSAGE_BYTES, clientTracking: false });
  private readonly clients = new Map<string, WsClient>();
  private readonly allowedOrigins: ReadonlySet<string>;
  private httpServer?: Server;
  /** The upgrade listeners that were on the HTTP server (engine.io's), restored on shutdown. */
  private otherUpgradeListeners: UpgradeListener[] = [];
  private portServer?: Server;
  private unregisterPush?: () => void;

  constructor(
    private readonly config: ConfigService<Env, true>,
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: Authenticator,
    private readonly voice: VoiceService,
    private readonly metrics: MetricsRecorder,
    private readonly publisher: RealtimePublisher,
  ) {
    this.allowedOrigins = new Set(corsOrigins(config));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.voice.registerTransport(new WsVoiceTransport(this.clients, this.voice));
    this.unregisterPush = this.publisher.registerTransport(new WsPushTransport(this.clients));
    // A standalone application context (the seed script) has no HTTP server: nothing to serve.
    const httpAdapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (!httpAdapter) return;
    this.httpServer = httpAdapter.getHttpServer() as Server;
    // engine.io ends any upgrade it does not handle that has written nothing after 1 s
    // (its destroyUpgrade), which would cut a /ws handshake still authenticating under
    // load. So one dispatcher sends /ws to this server and every other upgrade,
    // untouched, to the listeners that were there (Socket.IO's).
    this.otherUpgradeListeners = this.httpServer.listeners('upgrade') as UpgradeListener[];
    this.httpServer.removeAllListeners('upgrade');
    this.httpServer.on('upgrade', this.dispatchUpgrade);
    const wsPort = this.config.get('WS_PORT', { infer: true });
    if (wsPort) {
      const server = createServer((_, response) => {
        response.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('Upgrade Required');
      });
      server.on('upgrade', this.onUpgrade);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject).listen(wsPort, this.config.get('HOST', { infer: true }), () => resolve());
      });
      this.portServer = server;
      this.logger.log(`plain WebSocket endpoint also on port ${wsPort}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.unregisterPush?.();
    if (this.httpServer) {
      this.httpServer.off('upgrade', this.dispatchUpgrade);
      for (const listener of this.otherUpgradeListeners) this.httpServer.on('upgrade', listener);
    }
    for (const client of this.clients.values()) client.ws.close(CLOSE_GOING_AWAY, 'Server shutting down');
    await Promise.all([...this.clients.values()].map((client) => this.closed(client)));
    if (this.portServer) await new Promise<void>((resolve) => this.portServer!.close(() => resolve()));
  }

  private readonly dispatchUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(request) === PATH) this.onUpgrade(request, socket, head);
    else for (const listener of this.otherUpgradeListeners) listener.call(this.httpServer, request, socket, head);
  };

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== PATH) {
      refuseUpgrade(socket, 'NOT_FOUND');
      return;
    }
    socket.on('error', () => socket.destroy());
    const origin = request.headers.origin;
    if (origin && !this.allowedOrigins.has(origin)) {
      refuseUpgrade(socket, 'PERMISSION_DENIED', 'Origin not allowed by CORS');
      return;
    }
    const credential = credentialsFromUpgrade(request.headers, url.searchParams);
    if (!hasUserCredential(credential)) {
      refuseUpgrade(socket, 'UNAUTHORIZED');
      return;
    }
    this.authenticator.authenticate(credential).then(
      (principal) => {
        if (socket.destroyed) return;
        this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, principal));
      },
      (error: unknown) => {
        if (error instanceof AppError && (error.code === 'UNAUTHORIZED' || error.code === 'TOKEN_EXPIRED')) refuseUpgrade(socket, error.code);
        else {
          this.logger.error({ err: error }, '/ws upgrade authentication failed');
          refuseUpgrade(socket, 'SERVICE_UNAVAILABLE');
        }
      },
    );
  };

  private accept(ws: WebSocket, principal: UserPrincipal): void {
    const connection = this.voice.connect('ws', principal);
    const client: WsClient = { ws, connection, pingSentAt: 0, lastChannelBytes: null, lastChannelId: '' };
    this.clients.set(connection.id, client);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.binaryAudio(client, data, performance.now());
      else void this.text(client, data);
    });
    ws.on('pong', () => {
      if (client.pingSentAt > 0) this.voice.recordRtt(connection, performance.now() - client.pingSentAt);
      client.pingSentAt = 0;
    });
    // A frame over 64 KB: ws reports it here and closes this socket alone with 1009.
    ws.on('error', (error) => this.logger.debug(`/ws client error: ${error.message}`));
    ws.once('close', () => void this.closed(client));
    pingClient(client);
  }

  private async closed(client: WsClient): Promise<void> {
    if (!this.clients.delete(client.connection.id)) return;
    await this.voice.disconnect(client.connection);
  }

  private async text(client: WsClient, data: Buffer): Promise<void> {
    const arrival = performance.now();
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      sendError(client, new AppError('INVALID_INPUT', 'Malformed JSON'));
      return;
    }
    const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
    this.metrics.socketEvent(NAMESPACE, typeof type === 'string' ? type : 'invalid');
    try {
      switch (type) {
        case 'AudioData': {
          const { packet, bytes } = parseAudioData(message, client.connection.principal.userId);
          this.voice.relay(client.connection, packet, bytes, arrival);
          return;
        }
        case 'JoinChannel': {
          const dto = channelDto(message as Record<string, unknown>);
          const joined = await this.voice.join(client.connection, dto.channel_id, dto.user_id);
          send(client, JSON.stringify({ type: 'JoinedChannel', ...joined }));
          return;
        }
        case 'LeaveChannel': {
          const dto = channelDto(message as Record<string, unknown>);
          await this.voice.leave(client.connection, dto.channel_id);
          send(client, JSON.stringify({ type: 'LeftChannel', channel_id: dto.channel_id }));
          return;
        }
        default:
          throw new AppError('INVALID_INPUT', 'type must be JoinChannel, LeaveChannel or AudioData');
      }
    } catch (error) {
      sendError(client, error);
    }
  }

  /** The fast path: header fields read in place, the payload a view on the frame. */
  private binaryAudio(client: WsClient, frame: Buffer, arrival: number): void {
    this.metrics.socketEvent(NAMESPACE, 'AudioData');
    try {
      if (frame.length <= CLIENT_HEADER_BYTES || frame[0] !== BINARY_AUDIO) {
        throw new AppError('INVALID_INPUT', `binary frames are AudioData: type 1, ${CLIENT_HEADER_BYTES}-byte header, then the payload`);
      }
      const flags = frame[1];
      if (client.lastChannelBytes === null || frame.compare(client.lastChannelBytes, 0, 16, 2, 18) !== 0) {
        client.lastChannelBytes = Buffer.from(frame.subarray(2, 18));
        client.lastChannelId = bytesToUuid(frame, 2);
      }
      const packet: AudioPacket = {
        channelId: client.lastChannelId,
        userId: client.connection.principal.userId,
        data: frame.subarray(CLIENT_HEADER_BYTES),
        seq: flags & FLAG_SEQ ? frame.readUInt32BE(18) : -1,
        timestamp: flags & FLAG_TIMESTAMP ? frame.readDoubleBE(22) : Number.NaN,
      };
      if (!(packet.timestamp !== packet.timestamp || (Number.isFinite(packet.timestamp) && packet.timestamp >= 0))) {
        throw new AppError('INVALID_INPUT', 'timestamp must be a non-negative number (ms)');
      }
      this.voice.relay(client.connection, packet, frame.length - CLIENT_HEADER_BYTES, arrival);
    } catch (error) {
      sendError(client, error);
    }
  }
}

/** The /ws side of the voice service: it iterates the channel's connections and picks its own. */
class WsVoiceTransport implements VoiceTransport {
  readonly name = 'ws';

  constructor(
    private readonly clients: Map<string, WsClient>,
    private readonly voice: VoiceService,
  ) {}

  subscribe(): void {
    // Channel membership is the voice service's ChannelConnections; nothing to keep here.
  }

  unsubscribe(): void {
    // As subscribe.
  }

  toChannel<E extends VoiceEvent>(channel: ChannelConnections, _: string, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    const text = JSON.stringify({ type: event, ...payload });
    for (const connection of channel.all) {
      if (connection.transport === 'ws' && connection.principal.userId !== exceptUserId) this.send(connection, text);
    }
  }

  /** Encoded once per packet: binary stays a binary frame, base64 text a JSON text frame built without re-encoding the data. */
  relay(channel: ChannelConnections, packet: AudioPacket): void {
    const outgoing =
      typeof packet.data === 'string'
        ? `{"type":"AudioData","user_id":"${packet.userId}","channel_id":"${packet.channelId}","data":"${packet.data}","seq":${
            packet.seq < 0 ? 'null' : packet.seq
          },"timestamp":${packet.timestamp === packet.timestamp ? packet.timestamp : 'null'}}`
        : encodeServerFrame(packet.channelId, packet.userId, packet.seq, packet.timestamp, packet.data);
    for (const connection of channel.all) {
      if (connection.transport === 'ws' && connection.principal.userId !== packet.userId) this.send(connection, outgoing);
    }
  }

  toAll<E extends VoiceEvent>(event: E, payload: VoiceEventMap[E]): void {
    const text = JSON.stringify({ type: event, ...payload });
    for (const client of this.clients.values()) send(client, text);
  }

  ping(connection: VoiceConnection): void {
    const client = this.clients.get(connection.id);
    if (client) pingClient(client);
  }

  disconnect(connection: VoiceConnection): void {
    this.clients.get(connection.id)?.ws.close(CLOSE_GOING_AWAY, 'Reset by an administrator');
  }

  private send(connection: VoiceConnection, data: string | Buffer): void {
    const client = this.clients.get(connection.id);
    if (client) send(client, data);
  }
}

/** The /ws side of the RealtimePublisher: seed 000 pushes and session / user disconnects. */
class WsPushTransport implements RealtimeTransport {
  readonly name = 'ws';

  constructor(private readonly clients: Map<string, WsClient>) {}

  toUser<E extends PushEvent>(userId: string, event: E, payload: PushEventMap[E]): void {
    if (!PUSHED_EVENTS.has(event)) return;
    const text = JSON.stringify({ type: event, ...(payload as object) });
    for (const client of this.clients.values()) if (client.connection.principal.userId === userId) send(client, text);
  }

  toAll<E extends PushEvent>(event: E, payload: PushEventMap[E]): void {
    if (!PUSHED_EVENTS.has(event)) return;
    const text = JSON.stringify({ type: event, ...(payload as object) });
    for (const client of this.clients.values()) send(client, text);
  }

  disconnectSession(sessionId: string): void {
    for (const client of this.clients.values()) {
      if (client.connection.principal.sessionId === sessionId) client.ws.close(CLOSE_POLICY, 'Session revoked');
    }
  }

  disconnectUser(userId: string): void {
    for (const client of this.clients.values()) {
      if (client.connection.principal.userId === userId) client.ws.close(CLOSE_POLICY, 'Session revoked');
    }
  }
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function send(client: WsClient, data: string | Buffer): void {
  if (client.ws.readyState === WebSocket.OPEN) client.ws.send(data);
}

function sendError(client: WsClient, error: unknown): void {
  send(client, JSON.stringify({ type: 'Error', ...toWsError(error) }));
}

/** A protocol ping: every WebSocket client answers it by itself, so the round trip needs no client code. */
function pingClient(client: WsClient): void {
  if (client.ws.readyState !== WebSocket.OPEN) return;
  client.pingSentAt = performance.now();
  client.ws.ping();
}

function channelDto(message: Record<string, unknown>): VoiceChannelDto {
  const { type: _type, ...fields } = message;
  const dto = plainToInstance(VoiceChannelDto, fields);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw validationError(errors);
  return dto;
}

/** Answers the upgrade request with the SPEC's error body and closes the socket. */
function refuseUpgrade(socket: Duplex, code: ErrorCode, message: string = ERROR_CATALOGUE[code].message): void {
  const { status } = ERROR_CATALOGUE[code];
  const body = JSON.stringify({
    success: false,
    statusCode: status,
    error_code: code,
    message,
    error: message,
    timestamp: Math.floor(Date.now() / 1000),
    path: PATH,
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Connection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
