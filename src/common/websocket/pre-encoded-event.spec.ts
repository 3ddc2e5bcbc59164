import { Server } from 'socket.io';
import { Decoder } from 'socket.io-parser';
import { EngineConnection, PreEncodedEvent } from './pre-encoded-event';

interface Written {
  data: string | Buffer;
  options: { compress: boolean; wsPreEncodedFrame?: unknown };
  writableAtWrite: boolean;
  corked: boolean;
}

/** An engine.io connection that records what it is given, and in which state. */
function recordingConnection(supportsBinary: boolean, writable = true) {
  const written: Written[] = [];
  let corked = 0;
  const tcp = { cork: () => corked++, uncork: () => corked-- };
  const conn: EngineConnection = {
    transport: { supportsBinary, writable, socket: { _socket: tcp } },
    write: (data, options) => written.push({ data, options, writableAtWrite: conn.transport.writable, corked: corked > 0 }),
  };
  return { conn, written, corked: () => corked };
}

/** What a Socket.IO client makes of the parts. */
function decode(parts: (string | Buffer)[]): unknown {
  const decoder = new Decoder();
  let packet: unknown;
  decoder.on('decoded', (decoded) => (packet = decoded));
  for (const part of parts) decoder.add(part);
  return packet;
}

/** A pre-encoded websocket frame ([header, payload] from ws's Sender.frame) as the bytes on the wire. */
function frameBytes(frame: unknown): Buffer {
  return Buffer.concat(frame as Buffer[]);
}

describe('PreEncodedEvent', () => {
  const encoder = new Server().encoder;
  const audio = Buffer.from([1, 2, 3, 4, 5]);
  const payload = { user_id: 'u', channel_id: 'c', data: audio, seq: 7, timestamp: 1.5 };

  it('is the packet Socket.IO would send: header then binary attachment, decoding to the same event', () => {
    const { conn, written } = recordingConnection(true);
    new PreEncodedEvent(encoder, '/voice', 'AudioData', payload).writeTo(conn);

    expect(written.map(({ data }) => typeof data)).toEqual(['string', 'object']);
    expect(written.map(({ data }) => data)).toEqual(encoder.encode({ type: 2, nsp: '/voice', data: ['AudioData', payload] }));
    expect(decode(written.map(({ data }) => data))).toMatchObject({ nsp: '/voice', data: ['AudioData', payload] });
  });

  it('builds each websocket frame once: a text frame of the engine.io message, a binary frame of the audio', () => {
    const event = new PreEncodedEvent(encoder, '/voice', 'AudioData', payload);
    const first = recordingConnection(true);
    const second = recordingConnection(true);
    event.writeTo(first.conn);
    event.writeTo(second.conn);

    const [header, attachment] = first.written;
    expect(second.written[0].options).toBe(header.options);
    expect(second.written[1].options).toBe(attachment.options);
    const text = frameBytes(header.options.wsPreEncodedFrame);
    expect(text[0]).toBe(0x81);
    expect(text.subarray(2).toString()).toBe(`4${header.data as string}`);
    expect(frameBytes(attachment.options.wsPreEncodedFrame)).toEqual(Buffer.concat([Buffer.from([0x82, audio.length]), audio]));
  });

  it('queues every part before one flush, on a corked socket', () => {
    const { conn, written, corked } = recordingConnection(true);
    new PreEncodedEvent(encoder, '/voice', 'AudioData', payload).writeTo(conn);

    expect(written.map(({ writableAtWrite }) => writableAtWrite)).toEqual([false, true]);
    expect(written.every((write) => write.corked)).toBe(true);
    expect(corked()).toBe(0);
    expect(conn.transport.writable).toBe(true);
  });

  it('leaves a connection that is busy sending busy: engine.io flushes the parts when it drains', () => {
    const { conn, written } = recordingConnection(true, false);
    new PreEncodedEvent(encoder, '/voice', 'AudioData', payload).writeTo(conn);

    expect(written.map(({ writableAtWrite }) => writableAtWrite)).toEqual([false, false]);
    expect(conn.transport.writable).toBe(false);
  });

  it('gives the audio to a base64-only client without a binary frame (engine.io encodes it)', () => {
    const { conn, written } = recordingConnection(false);
    new PreEncodedEvent(encoder, '/voice', 'AudioData', payload).writeTo(conn);

    expect(written[0].options.wsPreEncodedFrame).toBeDefined();
    expect(written[1].data).toBe(audio);
    expect(written[1].options.wsPreEncodedFrame).toBeUndefined();
  });

  it('sends base64 text audio as one text message', () => {
    const { conn, written } = recordingConnection(true);
    const text = { ...payload, data: audio.toString('base64') };
    new PreEncodedEvent(encoder, '/voice', 'AudioData', text).writeTo(conn);

    expect(written).toHaveLength(1);
    expect(written[0].writableAtWrite).toBe(true);
    expect(decode([written[0].data])).toEqual({ type: 2, nsp: '/voice', data: ['AudioData', text] });
  });
});
