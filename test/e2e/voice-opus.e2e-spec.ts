import OpusScript from 'opusscript';
import { loginAs } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { ClientSocket, closeAll, collect, connectAs, emitWithAck } from '../utils/sockets';
import { binaryAudioFrame, connectWs, createChannel, parseServerFrame, WsTestClient } from '../utils/voice';

const SAMPLE_RATE = 48000;
const FRAME_SAMPLES = 960; // 20 ms
const SECONDS = 3;

/** A linear chirp from 220 Hz to 1760 Hz with a slow tremolo: speech-band energy that changes every frame. */
function synthesize(): Int16Array {
  const total = SAMPLE_RATE * SECONDS;
  const pcm = new Int16Array(total);
  let phase = 0;
  for (let i = 0; i < total; i++) {
    const t = i / SAMPLE_RATE;
    phase += (2 * Math.PI * (220 + ((1760 - 220) * t) / SECONDS)) / SAMPLE_RATE;
    const envelope = 0.6 + 0.3 * Math.sin(2 * Math.PI * 3 * t);
    pcm[i] = Math.round(12000 * envelope * Math.sin(phase));
  }
  return pcm;
}

function toInt16(buffers: Buffer[]): Int16Array {
  const joined = Buffer.concat(buffers);
  return new Int16Array(joined.buffer, joined.byteOffset, joined.length / 2);
}

/** Pearson correlation of `a` against `b` shifted by `lag` samples. */
function correlation(a: Int16Array, b: Int16Array, lag: number): number {
  const n = Math.min(a.length, b.length - lag);
  let sa = 0,
    sb = 0,
    saa = 0,
    sbb = 0,
    sab = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i + lag];
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const cov = sab - (sa * sb) / n;
  return cov / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}

describe('real audio through the relay (Opus, 20 ms frames)', () => {
  let t: TestApp;
  let sockets: ClientSocket[] = [];
  let plain: WsTestClient | undefined;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterEach(() => {
    closeAll(...sockets);
    sockets = [];
    plain?.close();
  });
  afterAll(() => t.close());

  it('delivers every Opus frame identical, and the decoded signal matches the original', async () => {
    const original = synthesize();
    const encoder = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.AUDIO);
    const packets: Buffer[] = [];
    for (let offset = 0; offset + FRAME_SAMPLES <= original.length; offset += FRAME_SAMPLES) {
      const frame = Buffer.from(original.buffer, original.byteOffset + offset * 2, FRAME_SAMPLES * 2);
      packets.push(Buffer.from(encoder.encode(frame, FRAME_SAMPLES)));
    }
    encoder.delete();
    expect(packets).toHaveLength((SAMPLE_RATE * SECONDS) / FRAME_SAMPLES);

    const [speaker, voiceListener, wsListener] = [await loginAs(t), await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, speaker.headers);
    const s = await connectAs(t.url, speaker.accessToken, '/voice');
    const v = await connectAs(t.url, voiceListener.accessToken, '/voice');
    sockets = [s, v];
    plain = await connectWs(t, wsListener.accessToken, {}, t.port, true);
    await emitWithAck(s, 'JoinChannel', { channel_id: channel.id });
    await emitWithAck(v, 'JoinChannel', { channel_id: channel.id });
    plain.send({ type: 'JoinChannel', channel_id: channel.id });
    await plain.next('JoinedChannel');

    const atVoice = collect<{ data: Buffer; seq: number }>(v, 'AudioData', packets.length, 10000);
    packets.forEach((data, seq) => s.emit('AudioData', { channel_id: channel.id, data, seq, timestamp: seq * 20 }));
    const viaVoice = await atVoice;
    const viaWs = (await plain.binary(packets.length, 10000)).map(parseServerFrame);

    // Identical frames, in order, on both transports.
    expect(viaVoice.map((packet) => packet.seq)).toEqual(packets.map((_, seq) => seq));
    expect(viaVoice.every((packet, i) => packet.data.equals(packets[i]))).toBe(true);
    expect(viaWs.every((frame, i) => frame.seq === i && frame.data.equals(packets[i]))).toBe(true);

    // A /ws speaker reaches the /voice listener byte-exact too.
    const back = collect<{ data: Buffer }>(v, 'AudioData', 10, 5000);
    packets.slice(0, 10).forEach((data, seq) => plain!.ws.send(binaryAudioFrame(channel.id, data, seq, seq * 20)));
    expect((await back).every((packet, i) => packet.data.equals(packets[i]))).toBe(true);

    const decoder = new OpusScript(SAMPLE_RATE, 1, OpusScript.Application.AUDIO);
    const decoded = toInt16(viaVoice.map((packet) => Buffer.from(decoder.decode(packet.data))));
    decoder.delete();
    expect(decoded.length).toBe(original.length);
    // Opus delays the signal by its look-ahead: take the best lag within 10 ms.
    let best = -1;
    for (let lag = 0; lag <= 480; lag++) best = Math.max(best, correlation(original, decoded, lag));
    expect(best).toBeGreaterThan(0.9);
  });
});
