/**
 * The /ws binary fast path: an audio packet as one binary WebSocket frame with
 * a small fixed header, so neither side base64-encodes or JSON-parses audio.
 * All integers big-endian.
 *
 * client → server (30-byte header):
 *   0  u8    type: 1 = AudioData
 *   1  u8    flags: bit 0 seq present, bit 1 timestamp present
 *   2  16 B  channel id (UUID bytes)
 *  18  u32   seq
 *  22  f64   timestamp (sender clock, ms)
 *  30  …     payload
 *
 * server → client (46-byte header): the same with the sender's user id
 * (16 B) inserted after the channel id; seq at 34, timestamp at 38, payload at 46.
 */
export const BINARY_AUDIO = 1;
export const FLAG_SEQ = 1;
export const FLAG_TIMESTAMP = 2;
export const CLIENT_HEADER_BYTES = 30;
export const SERVER_HEADER_BYTES = 46;

export function uuidToBytes(uuid: string, target: Buffer, offset: number): void {
  target.write(uuid.replace(/-/g, ''), offset, 16, 'hex');
}

export function bytesToUuid(source: Buffer, offset: number): string {
  const hex = source.toString('hex', offset, offset + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The outbound frame: header written once, payload copied once, for every /ws recipient. */
export function encodeServerFrame(channelId: string, userId: string, seq: number, timestamp: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(SERVER_HEADER_BYTES + payload.length);
  frame[0] = BINARY_AUDIO;
  frame[1] = (seq >= 0 ? FLAG_SEQ : 0) | (timestamp === timestamp ? FLAG_TIMESTAMP : 0);
  uuidToBytes(channelId, frame, 2);
  uuidToBytes(userId, frame, 18);
  frame.writeUInt32BE(seq >= 0 ? seq : 0, 34);
  frame.writeDoubleBE(timestamp === timestamp ? timestamp : 0, 38);
  payload.copy(frame, SERVER_HEADER_BYTES);
  return frame;
}
