// Runs in the AudioWorkletGlobalScope: cuts the microphone into encoder-sized frames of mono samples.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new (options: { processorOptions: { frameSize: number } }) => AudioWorkletProcessor): void;

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly frameSize: number;
  private frame: Float32Array;
  private filled = 0;

  constructor(options: { processorOptions: { frameSize: number } }) {
    super();
    this.frameSize = Math.max(1, Math.floor(options.processorOptions.frameSize));
    this.frame = new Float32Array(this.frameSize);
  }

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    let offset = 0;
    while (offset < channel.length) {
      const take = Math.min(channel.length - offset, this.frameSize - this.filled);
      this.frame.set(channel.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameSize) {
        // Transferred, so the old array is detached: its length is 0 from here on.
        this.port.postMessage({ samples: this.frame, sampleRate }, [this.frame.buffer]);
        this.frame = new Float32Array(this.frameSize);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('capture', CaptureProcessor);
