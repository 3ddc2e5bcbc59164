import type { Server } from 'socket.io';
import { WebSocket } from 'ws';

/** Socket.IO's EVENT packet type (socket.io-parser's PacketType.EVENT; the encoder makes it BINARY_EVENT when the data has buffers). */
const SOCKET_IO_EVENT = 2;
/** The engine.io `message` packet type that prefixes every Socket.IO string on the wire. */
const ENGINE_IO_MESSAGE = '4';
const OPCODE_TEXT = 1;
const OPCODE_BINARY = 2;

/** engine.io's options of one written message; its websocket transport sends `wsPreEncodedFrame` as is. */
interface EngineWriteOptions {
  compress: boolean;
  wsPreEncodedFrame?: unknown;
}

/** The parts of an engine.io connection a pre-encoded packet is written to (not all in its public typings). */
export interface EngineConnection {
  readonly transport: {
    readonly supportsBinary: boolean;
    /** False while a send is in flight: engine.io queues what is written meanwhile and flushes it on drain. */
    writable: boolean;
    /** The websocket transport's ws socket, over its TCP socket. */
    readonly socket?: { readonly _socket?: { cork(): void; uncork(): void } };
  };
  write(data: string | Buffer, options: EngineWriteOptions): unknown;
}

/** ws's frame builder, the one socket.io-adapter uses for the same purpose (not in @types/ws). */
const frameOf = (WebSocket as unknown as { Sender: { frame(this: void, data: Buffer, options: object): unknown } }).Sender.frame;

/**
 * A binary part for a connection that cannot take a binary websocket frame as
 * is (a base64-only client): engine.io encodes it. `compress` is already what
 * engine.io would set, so sharing this object across writes changes nothing.
 */
const PLAIN: EngineWriteOptions = { compress: true };

/**
 * One Socket.IO event encoded once for any number of recipients, as the
 * adapter's broadcast does it: the parser's encoder gives the packet string
 * and its binary attachments, and each part's websocket frame is built once,
 * so writing it to a connection costs no encoding or framing.
 */
export class PreEncodedEvent {
  /** The header string, then the binary attachments, in the order the client expects them. */
  private readonly parts: (string | Buffer)[];
  /** Per part, the write options carrying its ready websocket frame. */
  private readonly framed: EngineWriteOptions[];

  constructor(encoder: Server['encoder'], nsp: string, event: string, payload: unknown) {
    this.parts = encoder.encode({ type: SOCKET_IO_EVENT, nsp, data: [event, payload] }) as (string | Buffer)[];
    this.framed = new Array<EngineWriteOptions>(this.parts.length);
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i];
      const text = typeof part === 'string';
      this.framed[i] = {
        compress: true,
        wsPreEncodedFrame: frameOf(text ? Buffer.from(ENGINE_IO_MESSAGE + part) : part, {
          readOnly: !text,
          mask: false,
          rsv1: false,
          opcode: text ? OPCODE_TEXT : OPCODE_BINARY,
          fin: true,
        }),
      };
    }
  }

  /** Whether the event carries binary attachments (a base64-only client cannot take its frames as they are). */
  get binary(): boolean {
    return this.parts.length > 1;
  }

  /** Its websocket frames, in order, as the bytes a client that takes binary frames receives for it. */
  frames(): Buffer[] {
    return this.framed.flatMap(({ wsPreEncodedFrame }) => wsPreEncodedFrame as Buffer[]);
  }

  /**
   * Queues the event on one connection, all its parts in order. Left to
   * itself, engine.io sends the header at once and each attachment only once
   * the write before it completed: a TCP write per part per recipient. Here
   * the parts are queued first and go in one flush, and on a websocket that
   * flush is one TCP write (the socket corked while its frames are written).
   */
  writeTo(conn: EngineConnection): void {
    const { transport } = conn;
    const binary = transport.supportsBinary;
    const last = this.parts.length - 1;
    const hold = last > 0 && transport.writable;
    const tcp = last > 0 ? transport.socket?._socket : undefined;
    tcp?.cork();
    if (hold) transport.writable = false;
    for (let i = 0; i < last; i++) conn.write(this.parts[i], this.optionsOf(i, binary));
    if (hold) transport.writable = true;
    conn.write(this.parts[last], this.optionsOf(last, binary));
    tcp?.uncork();
  }

  private optionsOf(i: number, binary: boolean): EngineWriteOptions {
    return binary || typeof this.parts[i] === 'string' ? this.framed[i] : PLAIN;
  }
}
