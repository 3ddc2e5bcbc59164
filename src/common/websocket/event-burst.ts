import type { Namespace } from 'socket.io';
import { EngineConnection, PreEncodedEvent } from './pre-encoded-event';

/** One event of a burst; sockets in `exceptRoom` do not get it. */
export interface BurstEvent {
  readonly event: string;
  readonly payload: unknown;
  readonly exceptRoom?: string;
}

/** The parts of an engine.io connection the burst reads besides those a pre-encoded event is written to. */
interface BurstConnection extends EngineConnection {
  readonly readyState: string;
  readonly transport: EngineConnection['transport'] & { readonly name: string; readonly perMessageDeflate?: unknown };
}

type BurstNamespace = Pick<Namespace, 'name' | 'server' | 'sockets' | 'adapter'>;

/**
 * Sends events to every socket of a namespace on this instance, in order, as
 * a local broadcast of each would. Each event is encoded and framed once, and
 * a websocket connection gets the whole burst as one engine.io message whose
 * ready frame is every event's frames back to back, built once for all the
 * sockets that get the same events. A connection's cost is then one write
 * whatever the number of events, where broadcasting each event costs every
 * connection a trip through engine.io and ws per event: in a connect storm,
 * each of N sockets is told of every newcomer. A connection on long-polling
 * gets the events one by one, as broadcasts would give them.
 */
export function sendBurst(nsp: BurstNamespace, events: readonly BurstEvent[]): void {
  if (events.length === 0) return;
  const encoded = events.map(({ event, payload }) => new PreEncodedEvent(nsp.server.encoder, nsp.name, event, payload));
  const binary = encoded.some((event) => event.binary);
  const skippedBy = skippedBySocket(nsp, events);
  const wires = new Map<string, Buffer>();
  const wireWithout = (skipped: readonly number[] = []): Buffer => {
    const key = skipped.join();
    let wire = wires.get(key);
    if (!wire) {
      wire = Buffer.concat(encoded.flatMap((event, i) => (skipped.includes(i) ? [] : event.frames())));
      wires.set(key, wire);
    }
    return wire;
  };

  for (const socket of nsp.sockets.values()) {
    const conn = socket.conn as unknown as BurstConnection;
    if (conn.readyState !== 'open') continue;
    const skipped = skippedBy.get(socket.id);
    if (takesFrames(conn, binary)) {
      const wire = wireWithout(skipped);
      // The data is what engine.io's listeners (the outgoing backlog) count; the websocket transport sends the frame.
      if (wire.length > 0) conn.write(wire, { compress: true, wsPreEncodedFrame: [wire] });
    } else {
      for (let i = 0; i < encoded.length; i++) if (!skipped?.includes(i)) encoded[i].writeTo(conn);
    }
  }
}

/** Per socket id, the events its rooms exclude it from (only sockets in an `exceptRoom` are listed). */
function skippedBySocket(nsp: BurstNamespace, events: readonly BurstEvent[]): Map<string, number[]> {
  const skipped = new Map<string, number[]>();
  events.forEach(({ exceptRoom }, i) => {
    if (exceptRoom === undefined) return;
    for (const id of nsp.adapter.rooms.get(exceptRoom) ?? []) {
      const list = skipped.get(id);
      if (list) list.push(i);
      else skipped.set(id, [i]);
    }
  });
  return skipped;
}

/** engine.io's websocket transport writes a ready frame as it is unless it compresses; binary frames need a client that takes them. */
function takesFrames(conn: BurstConnection, binary: boolean): boolean {
  const { transport } = conn;
  return transport.name === 'websocket' && !transport.perMessageDeflate && (!binary || transport.supportsBinary);
}
