import { RTCDataChannel, RTCPeerConnection } from 'werift';
import { loginAs, LoggedIn } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { closeAll, connectRecording, ClientSocket, emitWithAck, waitFor } from '../utils/sockets';

interface Signal {
  type: 'offer' | 'answer';
  sdp: string;
}

/**
 * A WebRTC peer whose offer, answer and ICE candidates travel only through the
 * service's signaling events: nothing is exchanged out of band.
 */
class Peer {
  readonly pc = new RTCPeerConnection({ iceServers: [] });
  /** Candidates that reached this peer through the service's `iceCandidate` event. */
  received = 0;
  private remoteSet = false;
  private readonly pending: Record<string, unknown>[] = [];
  /** Only the parties of an existing call may send candidates: the caller holds them until callUser is acknowledged. */
  private outgoing: Record<string, unknown>[] | null = [];

  constructor(
    readonly socket: ClientSocket,
    private readonly peerId: () => string,
  ) {
    this.pc.onIceCandidate.subscribe((candidate) => {
      if (!candidate) return;
      if (this.outgoing) this.outgoing.push(candidate.toJSON());
      else this.sendCandidate(candidate.toJSON());
    });
    socket.on('iceCandidate', ({ candidate }: { candidate: Record<string, unknown> }) => {
      this.received += 1;
      if (this.remoteSet) void this.pc.addIceCandidate(candidate);
      else this.pending.push(candidate);
    });
  }

  /** The call exists: candidates flow from now on. */
  callEstablished(): void {
    const held = this.outgoing ?? [];
    this.outgoing = null;
    for (const candidate of held) this.sendCandidate(candidate);
  }

  private sendCandidate(candidate: Record<string, unknown>): void {
    void emitWithAck(this.socket, 'iceCandidate', { targetUserId: this.peerId(), candidate }).then((ack) => {
      if (!ack.ok) throw new Error(`candidate refused: ${JSON.stringify(ack)}`);
    });
  }

  /** The local description without its candidates: they must travel as `iceCandidate` events. */
  localSignal(): Signal {
    const { type, sdp } = this.pc.localDescription!;
    return { type: type as Signal['type'], sdp: withoutCandidates(sdp) };
  }

  async setRemote(description: Signal): Promise<void> {
    await this.pc.setRemoteDescription(description);
    this.remoteSet = true;
    for (const candidate of this.pending.splice(0)) await this.pc.addIceCandidate(candidate);
  }
}

function withoutCandidates(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n');
}

function opened(channel: RTCDataChannel): Promise<RTCDataChannel> {
  if (channel.readyState === 'open') return Promise.resolve(channel);
  return new Promise((resolve) => channel.stateChanged.subscribe((state) => state === 'open' && resolve(channel)));
}

function nextMessage(channel: RTCDataChannel): Promise<string> {
  return new Promise((resolve) => {
    const { unSubscribe } = channel.onMessage.subscribe((data) => {
      unSubscribe();
      resolve(data.toString());
    });
  });
}

describe('signaling carries a real WebRTC session (werift peers over loopback)', () => {
  let t: TestApp;
  let alice: LoggedIn;
  let bob: LoggedIn;
  const sockets: ClientSocket[] = [];
  const peers: Peer[] = [];

  async function online(login: LoggedIn): Promise<ClientSocket> {
    const client = await connectRecording(t.url, login.accessToken, '/', { record: ['users'] });
    sockets.push(client.socket);
    await client.first('users');
    return client.socket;
  }

  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob] = [await loginAs(t), await loginAs(t)];
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.pc.close()));
    closeAll(...sockets);
    await t.close();
  });

  it('exchanges offer, answer and candidates through the service, then a data-channel message both ways', async () => {
    const caller = new Peer(await online(alice), () => bob.user.id);
    const callee = new Peer(await online(bob), () => alice.user.id);
    peers.push(caller, callee);

    const incoming = waitFor<{ from: string; username: string; signalData: Signal }>(callee.socket, 'incomingCall', 5000);
    const accepted = waitFor<{ from: string; signalData: Signal }>(caller.socket, 'callAccepted', 10_000);
    const remoteChannel = new Promise<RTCDataChannel>((resolve) => callee.pc.onDataChannel.subscribe(resolve));

    const channel = caller.pc.createDataChannel('chat');
    const offer = await caller.pc.createOffer();
    await caller.pc.setLocalDescription(offer);
    const offerSignal = caller.localSignal();
    expect(offerSignal.sdp).not.toContain('a=candidate:');
    expect(await emitWithAck(caller.socket, 'callUser', { targetUserId: bob.user.id, signalData: offerSignal })).toEqual({ ok: true, status: 'ringing' });
    caller.callEstablished();

    const call = await incoming;
    expect(call).toEqual({ from: alice.user.id, username: alice.user.username, signalData: offerSignal });
    callee.callEstablished();
    await callee.setRemote(call.signalData);
    const answer = await callee.pc.createAnswer();
    await callee.pc.setLocalDescription(answer);
    const answerSignal = callee.localSignal();
    expect(await emitWithAck(callee.socket, 'answerCall', { targetUserId: alice.user.id, signalData: answerSignal })).toEqual({ ok: true });

    const acceptedCall = await accepted;
    expect(acceptedCall).toEqual({ from: bob.user.id, signalData: answerSignal });
    await caller.setRemote(acceptedCall.signalData);

    const [local, remote] = await Promise.all([opened(channel), remoteChannel.then(opened)]);
    const atCallee = nextMessage(remote);
    local.send('ping from alice');
    expect(await atCallee).toBe('ping from alice');
    const atCaller = nextMessage(local);
    remote.send('pong from bob');
    expect(await atCaller).toBe('pong from bob');
    expect(caller.pc.connectionState).toBe('connected');
    // The SDPs carried no candidates: connectivity came from candidates relayed by the service.
    expect(caller.received).toBeGreaterThan(0);
    expect(callee.received).toBeGreaterThan(0);
  }, 30_000);
});
