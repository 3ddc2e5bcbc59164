import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PlainWsClient, PlainWsProtocol, PlainWsServer } from '../../common/websocket/plain-ws.server';
import { validateSocketPayload } from '../../common/websocket/ws-validation.pipe';
import { AppError } from '../../common/errors/app-error';
import { parseAudioData } from './audio-packet.parser';
import { VoiceChannelDto } from './dto/voice-channel.dto';
import type { VoiceEvent, VoiceEventMap, WsVoiceClientMessage, WsVoiceServerMessages } from './voice.socket-events';
import { VoiceService } from './voice.service';
import type { AudioPacket, ChannelConnections, VoiceConnection, VoiceTransport } from './voice.types';
import { BINARY_AUDIO, bytesToUuid, CLIENT_HEADER_BYTES, encodeServerFrame, FLAG_SEQ, FLAG_TIMESTAMP } from './ws-binary';

const CLOSE_GOING_AWAY = 1001;
const MESSAGE_TYPES: readonly WsVoiceClientMessage[] = ['JoinChannel', 'LeaveChannel', 'AudioData'];

interface WsVoiceClient {
  readonly client: PlainWsClient;
  readonly connection: VoiceConnection;
  /** The last binary frame's channel id, bytes and string: a sender's frames nearly always name the same channel. */
  lastChannelBytes: Buffer | null;
  lastChannelId: string;
}

/**
 * The voice protocol on `/ws`: JSON frames `{type: "JoinChannel" | "LeaveChannel"
 * | "AudioData", …}` and the binary audio fast path (ws-binary.ts), registered
 * with the generic plain WebSocket server; and the `/ws` voice transport that
 * delivers to those clients.
 */
@Injectable()
export class WsVoiceProtocol implements PlainWsProtocol, VoiceTransport, OnModuleInit, OnModuleDestroy {
  readonly name = 'ws';
  readonly messageTypes = MESSAGE_TYPES;
  readonly binaryTypes = new Map([[BINARY_AUDIO, 'AudioData']]);
  private readonly clients = new Map<string, WsVoiceClient>();

  constructor(
    private readonly server: PlainWsServer,
    private readonly voice: VoiceService,
  ) {}

  onModuleInit(): void {
    this.server.register(this);
    this.voice.registerTransport(this);
  }

  /** Shutdown: /ws voice clients are told and leave their channels before counters are flushed and the database closes. */
  async onModuleDestroy(): Promise<void> {
    const clients = [...this.clients.values()].map(({ client }) => client);
    for (const client of clients) client.close(CLOSE_GOING_AWAY, 'Server shutting down');
    await Promise.all(clients.map((client) => this.closed(client)));
  }

  opened(client: PlainWsClient): void {
    const connection = this.voice.connect('ws', client.id, client.principal);
    this.clients.set(client.id, { client, connection, lastChannelBytes: null, lastChannelId: '' });
    client.ping();
  }

  async closed(client: PlainWsClient): Promise<void> {
    const voiceClient = this.clients.get(client.id);
    if (!voiceClient) return;
    this.clients.delete(client.id);
    await this.voice.disconnect(voiceClient.connection);
  }

  pong(client: PlainWsClient, rttMs: number): void {
    const voiceClient = this.clients.get(client.id);
    if (voiceClient) this.voice.recordRtt(voiceClient.connection, rttMs);
  }

  async message(client: PlainWsClient, type: string, message: Record<string, unknown>, arrival: number): Promise<void> {
    const { connection } = this.voiceClientOf(client);
    switch (type as WsVoiceClientMessage) {
      case 'AudioData': {
        const { packet, bytes } = parseAudioData(message, connection.principal.userId);
        this.voice.relay(connection, packet, bytes, arrival);
        return;
      }
      case 'JoinChannel': {
        const dto = channelDto(message);
        send(client, 'JoinedChannel', await this.voice.join(connection, dto.channel_id, dto.user_id));
        return;
      }
      case 'LeaveChannel': {
        const dto = channelDto(message);
        await this.voice.leave(connection, dto.channel_id);
        send(client, 'LeftChannel', { channel_id: dto.channel_id });
        return;
      }
    }
  }

  /** The fast path: header fields read in place, the payload a view on the frame. */
  binary(client: PlainWsClient, frame: Buffer, arrival: number): void {
    const voiceClient = this.voiceClientOf(client);
    if (frame.length <= CLIENT_HEADER_BYTES) {
      throw new AppError('INVALID_INPUT', `binary frames are AudioData: type 1, ${CLIENT_HEADER_BYTES}-byte header, then the payload`);
    }
    const flags = frame[1];
    if (voiceClient.lastChannelBytes === null || frame.compare(voiceClient.lastChannelBytes, 0, 16, 2, 18) !== 0) {
      voiceClient.lastChannelBytes = Buffer.from(frame.subarray(2, 18));
      voiceClient.lastChannelId = bytesToUuid(frame, 2);
    }
    const packet: AudioPacket = {
      channelId: voiceClient.lastChannelId,
      userId: client.principal.userId,
      data: frame.subarray(CLIENT_HEADER_BYTES),
      seq: flags & FLAG_SEQ ? frame.readUInt32BE(18) : -1,
      timestamp: flags & FLAG_TIMESTAMP ? frame.readDoubleBE(22) : Number.NaN,
    };
    if (!(packet.timestamp !== packet.timestamp || (Number.isFinite(packet.timestamp) && packet.timestamp >= 0))) {
      throw new AppError('INVALID_INPUT', 'timestamp must be a non-negative number (ms)');
    }
    this.voice.relay(voiceClient.connection, packet, frame.length - CLIENT_HEADER_BYTES, arrival);
  }

  toChannel<E extends VoiceEvent>(channel: ChannelConnections, exceptUserId: string | null, event: E, payload: VoiceEventMap[E]): void {
    const text = JSON.stringify({ type: event, ...payload });
    for (const connection of channel.all) {
      if (connection.transport === this.name && connection.principal.userId !== exceptUserId) this.sendTo(connection, text);
    }
  }

  /**
   * Encoded at most once per packet and form: binary audio goes as a binary
   * frame to clients that asked for binary, and as a JSON text frame with
   * base64 data to the others (a JSON-only client never gets a binary frame);
   * base64 text stays a JSON frame built without re-encoding the data.
   * Returns the deliveries skipped because the client's buffer was over its cap.
   */
  relay(channel: ChannelConnections, packet: AudioPacket): number {
    let binary: Buffer | undefined;
    let text: string | undefined;
    let dropped = 0;
    for (const connection of channel.all) {
      if (connection.transport !== this.name || connection.principal.userId === packet.userId) continue;
      const client = this.clients.get(connection.id)?.client;
      if (!client) continue;
      let frame: string | Buffer;
      if (typeof packet.data !== 'string' && client.acceptsBinary) {
        frame = binary ??= encodeServerFrame(packet.channelId, packet.userId, packet.seq, packet.timestamp, packet.data);
      } else {
        frame = text ??= jsonAudioFrame(packet, typeof packet.data === 'string' ? packet.data : packet.data.toString('base64'));
      }
      if (!client.sendDroppable(frame)) dropped++;
    }
    return dropped;
  }

  toAll<E extends VoiceEvent>(event: E, payload: VoiceEventMap[E]): void {
    const text = JSON.stringify({ type: event, ...payload });
    for (const { client } of this.clients.values()) client.send(text);
  }

  ping(connection: VoiceConnection): void {
    this.clients.get(connection.id)?.client.ping();
  }

  disconnect(connection: VoiceConnection): void {
    this.clients.get(connection.id)?.client.close(CLOSE_GOING_AWAY, 'Reset by an administrator');
  }

  private sendTo(connection: VoiceConnection, data: string | Buffer): void {
    this.clients.get(connection.id)?.client.send(data);
  }

  private voiceClientOf(client: PlainWsClient): WsVoiceClient {
    const voiceClient = this.clients.get(client.id);
    if (!voiceClient) throw new AppError('UNAUTHORIZED', 'Connection closed');
    return voiceClient;
  }
}

/** The JSON AudioData frame; `base64` is already valid base64 (checked on the way in, or encoded here), so it needs no escaping. */
function jsonAudioFrame(packet: AudioPacket, base64: string): string {
  const seq = packet.seq < 0 ? 'null' : packet.seq;
  const timestamp = packet.timestamp === packet.timestamp ? packet.timestamp : 'null';
  return `{"type":"AudioData","user_id":"${packet.userId}","channel_id":"${packet.channelId}","data":"${base64}","seq":${seq},"timestamp":${timestamp}}`;
}

function send<T extends keyof WsVoiceServerMessages>(client: PlainWsClient, type: T, payload: WsVoiceServerMessages[T]): void {
  client.send(JSON.stringify({ type, ...payload }));
}

function channelDto(message: Record<string, unknown>): VoiceChannelDto {
  const { type: _type, ...fields } = message;
  return validateSocketPayload(VoiceChannelDto, fields);
}
