import type { Socket } from 'socket.io-client';
import type { Ack, RootClientEvents, RootServerEvents, SignalData } from '../types';
import { rms } from '../voice/level';

export type CallPhase = 'idle' | 'calling' | 'incoming' | 'connecting' | 'connected' | 'ended';

export interface CallView {
  phase: CallPhase;
  /** The other party's user id. */
  peer: string | null;
  /** What to tell the user: who, and why a call ended. */
  text: string;
  connection: RTCPeerConnectionState | null;
  packetsIn: number;
  levelIn: number;
}

/** Candidates held while the other side cannot take them yet; a browser gathers a handful per call. */
const MAX_PENDING_CANDIDATES = 50;
const STATS_INTERVAL_MS = 500;

type RootSocket = Socket<RootServerEvents, RootClientEvents>;

/**
 * One WebRTC audio call at a time, signalled through the service: offer in
 * `callUser`, answer in `answerCall`, trickle ICE through `iceCandidate`.
 * Local candidates wait until the service has opened the call (the callUser
 * ack, or our answer); remote ones wait for the remote description.
 */
export class CallController {
  private view: CallView = { phase: 'idle', peer: null, text: 'idle', connection: null, packetsIn: 0, levelIn: 0 };
  private pc: RTCPeerConnection | null = null;
  private microphone: MediaStream | null = null;
  private offer: SignalData | null = null;
  private open = false;
  private pendingLocal: RTCIceCandidateInit[] = [];
  private pendingRemote: RTCIceCandidateInit[] = [];
  private statsTimer: number | undefined;
  private analyser: AnalyserNode | null = null;
  private audioContext: AudioContext | null = null;

  constructor(
    private readonly socket: RootSocket,
    private readonly audio: HTMLAudioElement,
    private readonly nameOf: (userId: string) => string,
    private readonly render: (view: CallView) => void,
  ) {
    socket.on('incomingCall', ({ from, username, signalData }) => this.incoming(from, username, signalData));
    socket.on('callAccepted', ({ from, signalData }) => void this.accepted(from, signalData));
    socket.on(
      'callRejected',
      ({ from, reason }) => this.from(from) && this.end(reason === 'busy' ? `${this.nameOf(from)} is busy` : `${this.nameOf(from)} declined`),
    );
    socket.on('callEnded', ({ from, reason }) => this.from(from) && this.end(reason === 'timeout' ? 'no answer (timed out)' : `${this.nameOf(from)} hung up`));
    socket.on(
      'callError',
      ({ targetUserId, error_code, message }) =>
        this.from(targetUserId) && this.end(error_code === 'USER_NOT_CONNECTED' ? `${this.nameOf(targetUserId)} is offline` : message),
    );
    socket.on('iceCandidate', ({ from, candidate }) => this.from(from) && void this.remoteCandidate(candidate));
    socket.on('disconnect', () => this.busy() && this.end('connection to the service lost'));
  }

  get phase(): CallPhase {
    return this.view.phase;
  }

  busy(): boolean {
    return this.view.phase !== 'idle' && this.view.phase !== 'ended';
  }

  async call(userId: string): Promise<void> {
    if (this.busy()) return;
    this.reset(userId);
    this.update({ phase: 'calling', text: `calling ${this.nameOf(userId)}…` });
    try {
      const pc = await this.startPeer();
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const ack = await this.emit('callUser', { targetUserId: userId, signalData: { type: offer.type, sdp: offer.sdp } });
      if (!this.from(userId)) return;
      if (!ack.ok) return this.end(ack.error_code === 'USER_NOT_CONNECTED' ? `${this.nameOf(userId)} is offline` : ack.message);
      if (ack.status === 'busy') return this.end(`${this.nameOf(userId)} is busy`);
      if (ack.status === 'offline') return this.end(`${this.nameOf(userId)} is offline`);
      this.update({ text: `ringing ${this.nameOf(userId)}…` });
      this.openCall();
    } catch (error) {
      this.fail(error);
    }
  }

  async answer(): Promise<void> {
    const peer = this.view.peer;
    if (this.view.phase !== 'incoming' || !peer || !this.offer) return;
    this.update({ phase: 'connecting', text: `connecting to ${this.nameOf(peer)}…` });
    try {
      const pc = await this.startPeer();
      await pc.setRemoteDescription(this.offer);
      await this.flushRemote();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      const ack = await this.emit('answerCall', { targetUserId: peer, signalData: { type: answer.type, sdp: answer.sdp } });
      if (!ack.ok) return this.end(ack.message);
      this.openCall();
    } catch (error) {
      this.fail(error);
    }
  }

  reject(): void {
    const peer = this.view.peer;
    if (this.view.phase !== 'incoming' || !peer) return;
    this.socket.emit('rejectCall', { targetUserId: peer }, () => undefined);
    this.end('declined');
  }

  hangup(): void {
    const peer = this.view.peer;
    if (!this.busy() || !peer) return;
    this.socket.emit('endCall', { targetUserId: peer }, () => undefined);
    this.end('you hung up');
  }

  private incoming(from: string, username: string, signalData: SignalData): void {
    // The service refuses a second call to a busy user; this guards a race with our own outgoing call.
    if (this.busy()) {
      this.socket.emit('rejectCall', { targetUserId: from }, () => undefined);
      return;
    }
    this.reset(from);
    this.offer = signalData;
    this.update({ phase: 'incoming', text: `${username} is calling` });
  }

  private async accepted(from: string, answer: SignalData): Promise<void> {
    if (!this.from(from) || !this.pc || this.view.phase !== 'calling') return;
    this.update({ phase: 'connecting', text: `connecting to ${this.nameOf(from)}…` });
    try {
      await this.pc.setRemoteDescription(answer);
      await this.flushRemote();
    } catch (error) {
      this.fail(error);
    }
  }

  private async startPeer(): Promise<RTCPeerConnection> {
    this.microphone = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    // Host candidates only: the console is for trying the service on one network.
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.pc = pc;
    for (const track of this.microphone.getAudioTracks()) pc.addTrack(track, this.microphone);
    pc.onicecandidate = ({ candidate }) => candidate && this.localCandidate(candidate.toJSON());
    pc.ontrack = ({ streams, track }) => this.play(streams[0] ?? new MediaStream([track]));
    pc.onconnectionstatechange = () => this.connectionChanged(pc);
    this.statsTimer = window.setInterval(() => void this.sample(pc), STATS_INTERVAL_MS);
    return pc;
  }

  private connectionChanged(pc: RTCPeerConnection): void {
    if (pc !== this.pc) return;
    const state = pc.connectionState;
    this.update({ connection: state });
    if (state === 'connected') this.update({ phase: 'connected', text: `in a call with ${this.nameOf(this.view.peer!)}` });
    else if (state === 'failed') this.hangupAfterFailure();
  }

  private hangupAfterFailure(): void {
    if (this.view.peer) this.socket.emit('endCall', { targetUserId: this.view.peer }, () => undefined);
    this.end('the media connection failed');
  }

  private play(stream: MediaStream): void {
    this.audio.srcObject = stream;
    void this.audio.play().catch(() => undefined);
    this.audioContext ??= new AudioContext();
    this.analyser = this.audioContext.createAnalyser();
    this.analyser.fftSize = 2048;
    this.audioContext.createMediaStreamSource(stream).connect(this.analyser);
  }

  /** Inbound packets from getStats and the level of what is heard, measured on the received stream. */
  private async sample(pc: RTCPeerConnection): Promise<void> {
    let packetsIn = 0;
    const report = await pc.getStats();
    report.forEach((stat: { type: string; kind?: string; packetsReceived?: number }) => {
      if (stat.type === 'inbound-rtp' && stat.kind === 'audio') packetsIn += stat.packetsReceived ?? 0;
    });
    if (pc !== this.pc) return;
    let levelIn = 0;
    if (this.analyser) {
      const samples = new Float32Array(this.analyser.fftSize);
      this.analyser.getFloatTimeDomainData(samples);
      levelIn = rms(samples);
    }
    this.update({ packetsIn, levelIn });
  }

  private localCandidate(candidate: RTCIceCandidateInit): void {
    const peer = this.view.peer;
    if (!peer) return;
    if (!this.open) {
      if (this.pendingLocal.length < MAX_PENDING_CANDIDATES) this.pendingLocal.push(candidate);
      return;
    }
    this.socket.emit('iceCandidate', { targetUserId: peer, candidate }, () => undefined);
  }

  private openCall(): void {
    this.open = true;
    for (const candidate of this.pendingLocal.splice(0)) this.localCandidate(candidate);
  }

  private async remoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc?.remoteDescription) {
      if (this.pendingRemote.length < MAX_PENDING_CANDIDATES) this.pendingRemote.push(candidate);
      return;
    }
    await this.pc.addIceCandidate(candidate).catch(() => undefined);
  }

  private async flushRemote(): Promise<void> {
    for (const candidate of this.pendingRemote.splice(0)) await this.remoteCandidate(candidate);
  }

  private emit<E extends 'callUser' | 'answerCall'>(event: E, payload: Parameters<RootClientEvents[E]>[0]): Promise<Ack<{ status?: string }>> {
    return new Promise((resolve) => (this.socket.emit as (e: string, p: unknown, a: (r: Ack<{ status?: string }>) => void) => void)(event, payload, resolve));
  }

  private from(userId: string): boolean {
    return this.busy() && this.view.peer === userId;
  }

  private fail(error: unknown): void {
    if (this.view.peer && this.open) this.socket.emit('endCall', { targetUserId: this.view.peer }, () => undefined);
    const reason =
      error instanceof DOMException && error.name === 'NotAllowedError' ? 'microphone access was refused' : String((error as Error).message ?? error);
    this.end(reason);
  }

  private end(reason: string): void {
    this.teardown();
    this.update({ phase: 'ended', text: `ended: ${reason}`, levelIn: 0 });
  }

  private reset(peer: string): void {
    this.teardown();
    this.view = { phase: 'idle', peer, text: '', connection: null, packetsIn: 0, levelIn: 0 };
  }

  private teardown(): void {
    window.clearInterval(this.statsTimer);
    this.pc?.close();
    this.pc = null;
    for (const track of this.microphone?.getTracks() ?? []) track.stop();
    this.microphone = null;
    this.audio.srcObject = null;
    this.analyser = null;
    this.offer = null;
    this.open = false;
    this.pendingLocal = [];
    this.pendingRemote = [];
  }

  private update(change: Partial<CallView>): void {
    this.view = { ...this.view, ...change };
    this.render(this.view);
  }
}
