import WebSocket from 'ws';
import type { TestApp } from './create-test-app';

export interface ChannelBody {
  name?: string;
  description?: string;
  max_users?: number;
  is_private?: boolean;
  channel_type?: 'voice' | 'text';
  member_ids?: string[];
}

/** Creates a channel through `POST /api/channels` and returns its public JSON. */
export async function createChannel(t: TestApp, headers: { Authorization: string }, body: ChannelBody = {}) {
  const res = await t
    .http()
    .post('/api/channels')
    .set(headers)
    .send({ name: 'General', ...body });
  if (res.status !== 201) throw new Error(`createChannel: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as { id: string; name: string; max_users: number; is_private: boolean };
}

export type WsMessage = Record<string, unknown> & { type: string };

/**
 * A plain `ws` client on /ws that queues every frame from the start: JSON text
 * frames by `type`, binary frames apart.
 */
export class WsTestClient {
  readonly texts: WsMessage[] = [];
  readonly binaries: Buffer[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.binaries.push(data);
      else this.texts.push(JSON.parse(data.toString('utf8')) as WsMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Removes and returns the first queued text frame of this type, waiting up to `ms`. */
  async next(type: string, ms = 2000): Promise<WsMessage> {
    return this.take(
      () => {
        const index = this.texts.findIndex((message) => message.type === type);
        return index < 0 ? undefined : this.texts.splice(index, 1)[0];
      },
      ms,
      `no ${type} frame within ${ms} ms`,
    );
  }

  /** Waits until `n` binary frames are queued; removes and returns them. */
  async binary(n: number, ms = 2000): Promise<Buffer[]> {
    return this.take(() => (this.binaries.length >= n ? this.binaries.splice(0, n) : undefined), ms, `fewer than ${n} binary frames within ${ms} ms`);
  }

  close(): void {
    this.ws.close();
  }

  /** Stops reading from the TCP connection (a client whose network or event loop stalls): the server's writes pile up. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  private take<T>(find: () => T | undefined, ms: number, message: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(message)), ms);
      const attempt = () => {
        const found = find();
        if (found !== undefined) {
          clearTimeout(deadline);
          resolve(found);
        } else this.waiters.push(attempt);
      };
      attempt();
    });
  }
}

/**
 * Opens /ws with `?token=` (or the given headers), and `?binary=1` when the client opts in to binary audio frames;
 * rejects with the HTTP status of a refused upgrade.
 */
export function connectWs(t: TestApp, token: string | null, headers: Record<string, string> = {}, port = t.port, binary = false): Promise<WsTestClient> {
  const query = new URLSearchParams();
  if (token) query.set('token', token);
  if (binary) query.set('binary', '1');
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${search}`, { headers });
  const client = new WsTestClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${response.statusCode}`), {
            status: response.statusCode,
            headers: response.headers,
            body: JSON.parse(body || '{}') as unknown,
          }),
        ),
      );
    });
    ws.once('error', (error) => reject(error));
  });
}

/** A client→server binary AudioData frame (see src/modules/audio/ws-binary.ts). */
export function binaryAudioFrame(channelId: string, payload: Buffer, seq?: number, timestamp?: number): Buffer {
  const frame = Buffer.alloc(30 + payload.length);
  frame[0] = 1;
  frame[1] = (seq !== undefined ? 1 : 0) | (timestamp !== undefined ? 2 : 0);
  frame.write(channelId.replace(/-/g, ''), 2, 16, 'hex');
  frame.writeUInt32BE(seq ?? 0, 18);
  frame.writeDoubleBE(timestamp ?? 0, 22);
  payload.copy(frame, 30);
  return frame;
}

/** Decodes a server→client binary AudioData frame. */
export function parseServerFrame(frame: Buffer) {
  const uuid = (offset: number) => {
    const hex = frame.toString('hex', offset, offset + 16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  return {
    type: frame[0],
    channel_id: uuid(2),
    user_id: uuid(18),
    seq: frame[1] & 1 ? frame.readUInt32BE(34) : null,
    timestamp: frame[1] & 2 ? frame.readDoubleBE(38) : null,
    data: frame.subarray(46),
  };
}
