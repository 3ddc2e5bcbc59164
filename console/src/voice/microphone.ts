import { rms } from './level';

export interface EncodedFrame {
  data: ArrayBuffer;
  /** Media time of the frame's first sample, ms from the start of capture. */
  timestampMs: number;
}

/** Frames waiting in the encoder beyond which new ones are dropped (a stalled encoder must not grow memory). */
const MAX_ENCODE_QUEUE = 10;
const OPUS_BITRATE = 32_000;

/**
 * The microphone, cut into frames by an AudioWorklet and encoded to Opus
 * with WebCodecs' AudioEncoder, mono at the audio context's rate.
 */
export class MicrophoneEncoder {
  private framesIn = 0;

  private constructor(
    private readonly stream: MediaStream,
    private readonly nodes: AudioNode[],
    private readonly encoder: AudioEncoder,
  ) {}

  static async start(
    context: AudioContext,
    frameMs: number,
    onFrame: (frame: EncodedFrame) => void,
    onLevel: (level: number) => void,
    onError: (message: string) => void,
  ): Promise<MicrophoneEncoder> {
    if (typeof AudioEncoder === 'undefined') throw new Error('this browser has no WebCodecs AudioEncoder (it needs a secure context: https or localhost)');
    const config = {
      codec: 'opus',
      sampleRate: context.sampleRate,
      numberOfChannels: 1,
      bitrate: OPUS_BITRATE,
      opus: { frameDuration: Math.round(frameMs * 1000) },
    } as AudioEncoderConfig;
    if (!(await AudioEncoder.isConfigSupported(config)).supported) throw new Error(`this browser cannot encode Opus at ${context.sampleRate} Hz`);

    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
      video: false,
    });
    const encoder = new AudioEncoder({
      output: (chunk) => {
        const data = new ArrayBuffer(chunk.byteLength);
        chunk.copyTo(data);
        onFrame({ data, timestampMs: chunk.timestamp / 1000 });
      },
      error: (error) => onError(error.message),
    });
    encoder.configure(config);

    await context.audioWorklet.addModule('./capture.worklet.js');
    const source = context.createMediaStreamSource(stream);
    const frameSize = Math.round((context.sampleRate * frameMs) / 1000);
    const capture = new AudioWorkletNode(context, 'capture', { processorOptions: { frameSize }, numberOfOutputs: 1 });
    // A silent sink keeps the worklet pulled by the graph without playing the microphone back.
    const sink = context.createGain();
    sink.gain.value = 0;
    source.connect(capture).connect(sink).connect(context.destination);

    const microphone = new MicrophoneEncoder(stream, [source, capture, sink], encoder);
    capture.port.onmessage = ({ data }: MessageEvent<{ samples: Float32Array<ArrayBuffer> }>) =>
      microphone.encode(data.samples, context.sampleRate, frameMs, onLevel);
    return microphone;
  }

  stop(): void {
    for (const track of this.stream.getTracks()) track.stop();
    for (const node of this.nodes) node.disconnect();
    if (this.encoder.state !== 'closed') this.encoder.close();
  }

  private encode(samples: Float32Array<ArrayBuffer>, sampleRate: number, frameMs: number, onLevel: (level: number) => void): void {
    onLevel(rms(samples));
    if (this.encoder.state !== 'configured' || this.encoder.encodeQueueSize > MAX_ENCODE_QUEUE) return;
    const frame = new AudioData({
      format: 'f32-planar',
      sampleRate,
      numberOfFrames: samples.length,
      numberOfChannels: 1,
      timestamp: Math.round(this.framesIn++ * frameMs * 1000),
      data: samples,
    });
    this.encoder.encode(frame);
    frame.close();
  }
}
