import { AppError } from '../../common/errors/app-error';
import type { AudioPacket } from './voice.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_SEQ = 0xffffffff;
/** Fields of AudioData; `type` is the /ws envelope's. */
const ALLOWED = new Set(['type', 'channel_id', 'data', 'seq', 'timestamp']);

/**
 * Validates an AudioData payload by hand rather than through class-validator:
 * it runs for every packet (50 per second per speaker) and must not allocate
 * more than the packet it returns. The rules are the DTO's: known fields only,
 * a UUID channel, binary or base64 data, optional integer seq and timestamp.
 */
export function parseAudioData(payload: unknown, userId: string): { packet: AudioPacket; bytes: number } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid('AudioData must be an object');
  const fields = payload as Record<string, unknown>;
  for (const key in fields) if (!ALLOWED.has(key)) throw invalid(`property ${key} should not exist`);
  const { channel_id: channelId, data, seq, timestamp } = fields;
  if (typeof channelId !== 'string' || !UUID.test(channelId)) throw invalid('channel_id must be a UUID');

  let bytes: number;
  if (Buffer.isBuffer(data)) {
    bytes = data.length;
  } else if (typeof data === 'string' && data.length % 4 === 0 && BASE64.test(data)) {
    bytes = (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
  } else {
    throw invalid('data must be binary or base64 text');
  }
  if (bytes === 0) throw invalid('data must not be empty');

  if (seq != null && !(Number.isInteger(seq) && (seq as number) >= 0 && (seq as number) <= MAX_SEQ)) {
    throw invalid('seq must be an integer from 0 to 4294967295');
  }
  if (timestamp != null && !(typeof timestamp === 'number' && Number.isFinite(timestamp) && timestamp >= 0)) {
    throw invalid('timestamp must be a non-negative number (ms)');
  }
  return {
    packet: { channelId, userId, data, seq: seq == null ? -1 : (seq as number), timestamp: timestamp == null ? Number.NaN : timestamp },
    bytes,
  };
}

function invalid(message: string): AppError {
  return new AppError('INVALID_INPUT', message);
}
