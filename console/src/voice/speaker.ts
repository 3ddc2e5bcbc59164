import { JitterBuffer } from './jitter-buffer';
import { rms } from './level';
import { Playout } from './playout';

/** Packets waiting in the decoder beyond which new ones are dropped. */
const MAX_DECODE_QUEUE = 20;

/**
 * One remote speaker in a voice channel: its packets reordered by a small
 * jitter buffer, decoded with WebCodecs' AudioDecoder, scheduled back to back
 * on the Web Audio clock, and measured (frames decoded, level of each).
 */
export class Speaker {
  framesDecoded = 0;
  private closed = false;
  private readonly buffer = new JitterBuffer<Uint8Array>();
  private readonly playout: Playout;
  private decoder: AudioDecoder;
  private nextSeq = 0;

  constructor(
    private readonly context: AudioContext,
    private readonly output: AudioNode,
    private readonly frameMs: number,
    latencyTargetMs: number,
    private readonly onLevel: (level: number, frames: number) => void,
  ) {
    this.playout = new Playout(Math.max(0.02, latencyTargetMs / 1000), Math.max(0.3, (latencyTargetMs * 4) / 1000));
    this.decoder = this.createDecoder();
  }

  /** A packet as relayed; `seq` null when the sender numbers none. */
  push(seq: number | null, data: Uint8Array): void {
    const released = this.buffer.push(seq ?? this.nextSeq++, data);
    for (const packet of released) {
      if ('lost' in packet) continue;
      if (this.decoder.state !== 'configured' || this.decoder.decodeQueueSize > MAX_DECODE_QUEUE) continue;
      this.decoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: Math.round(packet.seq * this.frameMs * 1000), data: packet.payload }));
    }
  }

  /** A packet that does not decode closes the decoder; the next packets get a fresh one rather than silence. */
  private createDecoder(): AudioDecoder {
    const decoder = new AudioDecoder({
      output: (frame) => this.play(frame),
      error: () => {
        if (this.decoder === decoder && !this.closed) this.decoder = this.createDecoder();
      },
    });
    decoder.configure({ codec: 'opus', sampleRate: this.context.sampleRate, numberOfChannels: 1 });
    return decoder;
  }

  close(): void {
    this.closed = true;
    if (this.decoder.state !== 'closed') this.decoder.close();
  }

  private play(frame: AudioData): void {
    const samples = new Float32Array(frame.numberOfFrames);
    frame.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
    const sampleRate = frame.sampleRate;
    frame.close();
    this.framesDecoded++;
    this.onLevel(rms(samples), this.framesDecoded);

    const start = this.playout.schedule(this.context.currentTime, samples.length / sampleRate);
    if (start === null) return;
    const audio = this.context.createBuffer(1, samples.length, sampleRate);
    audio.copyToChannel(samples, 0);
    const source = this.context.createBufferSource();
    source.buffer = audio;
    source.connect(this.output);
    source.start(start);
  }
}
