import type { Socket } from 'socket.io-client';
import type { Ack, AudioConfig, AudioDataOut, VoiceClientEvents, VoiceServerEvents } from '../types';
import { MicrophoneEncoder } from './microphone';
import { Speaker } from './speaker';

type VoiceSocket = Socket<VoiceServerEvents, VoiceClientEvents>;

export interface VoiceListener {
  members(members: string[]): void;
  /** A speaker's level (its own microphone for the local user) and how many frames were measured. */
  level(userId: string, level: number, frames: number): void;
  state(text: string): void;
  /** The channel went away or the connection dropped. */
  left(reason: string): void;
}

const SEQ_LIMIT = 0x1_0000_0000;

/**
 * Membership of one voice channel over `/voice`: join and leave, the
 * microphone sent as Opus `AudioData` frames, and every other member's
 * frames decoded and played.
 */
export class VoiceSession {
  channelId: string | null = null;
  private members: string[] = [];
  private context: AudioContext | null = null;
  private output: GainNode | null = null;
  private microphone: MicrophoneEncoder | null = null;
  private readonly speakers = new Map<string, Speaker>();
  private config: AudioConfig | null = null;
  private seq = 0;
  private framesSent = 0;

  constructor(
    private readonly socket: VoiceSocket,
    private readonly self: string,
    private readonly listener: VoiceListener,
  ) {
    socket.on(
      'UserJoined',
      ({ user_id, channel_id }) => channel_id === this.channelId && this.setMembers([...this.members.filter((id) => id !== user_id), user_id]),
    );
    socket.on('UserLeft', ({ user_id, channel_id }) => {
      if (channel_id !== this.channelId) return;
      this.speakers.get(user_id)?.close();
      this.speakers.delete(user_id);
      this.setMembers(this.members.filter((id) => id !== user_id));
    });
    socket.on('ChannelDeleted', ({ channel_id }) => channel_id === this.channelId && this.stop('the channel was deleted'));
    socket.on('AudioData', (packet) => this.receive(packet));
    socket.on('AudioConfigChanged', () => this.channelId && listener.state('The audio configuration changed; leave and join again to apply it.'));
    socket.on('disconnect', () => this.channelId && this.stop('the connection to the service was lost'));
  }

  async join(channelId: string, config: AudioConfig): Promise<void> {
    if (this.channelId) await this.leave();
    // Created in the click's task so that the browser lets it play.
    this.context = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
    this.output = this.context.createGain();
    this.output.connect(this.context.destination);
    void this.context.resume();
    this.config = config;

    const ack = await this.request('JoinChannel', channelId);
    if (!ack.ok) {
      await this.closeAudio();
      throw new Error(ack.message);
    }
    this.channelId = channelId;
    this.seq = 0;
    this.framesSent = 0;
    this.setMembers(ack.members);
    this.listener.state('Joined; starting the microphone…');
    try {
      this.microphone = await MicrophoneEncoder.start(
        this.context,
        config.frame_duration_ms,
        (frame) => this.send(frame.data, frame.timestampMs),
        (level) => this.listener.level(this.self, level, this.framesSent),
        (message) => this.listener.state(`The microphone stopped: ${message}`),
      );
      this.listener.state(`Sending Opus, ${config.frame_duration_ms} ms frames, ${this.context.sampleRate} Hz mono`);
    } catch (error) {
      const reason = error instanceof DOMException && error.name === 'NotAllowedError' ? 'microphone access was refused' : (error as Error).message;
      this.listener.state(`Listening only: ${reason}`);
    }
  }

  async leave(): Promise<void> {
    const channelId = this.channelId;
    if (!channelId) return;
    await this.request('LeaveChannel', channelId).catch(() => undefined);
    this.stop('you left');
  }

  private stop(reason: string): void {
    this.channelId = null;
    this.setMembers([]);
    void this.closeAudio();
    this.listener.left(reason);
  }

  private async closeAudio(): Promise<void> {
    this.microphone?.stop();
    this.microphone = null;
    for (const speaker of this.speakers.values()) speaker.close();
    this.speakers.clear();
    const context = this.context;
    this.context = null;
    this.output = null;
    await context?.close().catch(() => undefined);
  }

  private send(data: ArrayBuffer, timestampMs: number): void {
    if (!this.channelId || !this.config || data.byteLength > this.config.max_packet_bytes) return;
    // Volatile: while disconnected, audio is dropped rather than queued without bound.
    this.socket.volatile.emit('AudioData', { channel_id: this.channelId, data, seq: this.seq, timestamp: timestampMs });
    this.seq = (this.seq + 1) % SEQ_LIMIT;
    this.framesSent++;
  }

  private receive(packet: AudioDataOut): void {
    if (packet.channel_id !== this.channelId || packet.user_id === this.self || !this.context || !this.output || !this.config) return;
    if (!this.members.includes(packet.user_id)) return;
    let speaker = this.speakers.get(packet.user_id);
    if (!speaker) {
      const userId = packet.user_id;
      speaker = new Speaker(this.context, this.output, this.config.frame_duration_ms, this.config.latency_target_ms, (level, frames) =>
        this.listener.level(userId, level, frames),
      );
      this.speakers.set(userId, speaker);
    }
    speaker.push(packet.seq, toBytes(packet.data));
  }

  private setMembers(members: string[]): void {
    this.members = members;
    this.listener.members(members);
  }

  private request(event: 'JoinChannel', channelId: string): Promise<Ack<{ channel_id: string; members: string[] }>>;
  private request(event: 'LeaveChannel', channelId: string): Promise<Ack>;
  private request(event: 'JoinChannel' | 'LeaveChannel', channelId: string): Promise<Ack<object>> {
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => reject(new Error('the service did not answer in time')), 10_000);
      (this.socket.emit as (e: string, p: unknown, a: (r: Ack<object>) => void) => void)(event, { channel_id: channelId }, (response) => {
        window.clearTimeout(timer);
        resolve(response);
      });
    });
  }
}

/** Relayed audio arrives binary from binary senders and as base64 text from text-only ones. */
function toBytes(data: ArrayBuffer | string): Uint8Array {
  if (typeof data !== 'string') return new Uint8Array(data);
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
