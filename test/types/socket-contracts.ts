/**
 * Type tests, checked by `tsc --noEmit` (npm run typecheck): the exported event contract matches the server's own
 * event maps, and a typed Socket.IO client refuses a wrong event name or payload at compile time.
 */
import { io, type Socket } from 'socket.io-client';
import type * as contract from '../../src/contracts/socket-events';
import type { VoiceClientEvents, VoiceServerEvents, WsVoiceClientMessages, WsVoiceServerMessages } from '../../src/modules/audio/voice.socket-events';
import type { RealtimeClientEvents, RealtimeServerEvents } from '../../src/modules/realtime/realtime.socket-events';
import type { SignalingClientEvents, SignalingServerEvents } from '../../src/modules/signaling/signaling.socket-events';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assignable<From, To> = [From] extends [To] ? true : false;
type Expect<T extends true> = T;
type Payload<F> = F extends (payload: infer P, ...rest: never[]) => void ? P : never;
/** Every server→client payload of `S` fits the contract's payload of the same event. */
type ServerFits<S, C> = { [E in keyof S & keyof C]: Assignable<Payload<S[E]>, Payload<C[E]>> }[keyof S & keyof C];
/** Every client→server payload of the contract is accepted by the server's payload type. */
type ClientFits<C, S> = { [E in keyof S & keyof C]: Assignable<Payload<C[E]>, Payload<S[E]>> }[keyof S & keyof C];

type RootServer = RealtimeServerEvents & SignalingServerEvents;
type RootClient = RealtimeClientEvents & SignalingClientEvents;
type WsServerTypes = keyof WsVoiceServerMessages | 'message' | 'user_created' | 'user_deleted' | 'UPDATE_SCORE';

// Same event names on every namespace and side.
export type Checks = [
  Expect<Same<keyof RootServer, keyof contract.RootServerToClientEvents>>,
  Expect<Same<keyof RootClient, keyof contract.RootClientToServerEvents>>,
  Expect<Same<keyof VoiceServerEvents, keyof contract.VoiceServerToClientEvents>>,
  Expect<Same<keyof VoiceClientEvents, keyof contract.VoiceClientToServerEvents>>,
  Expect<Same<WsServerTypes, contract.WsServerFrame['type']>>,
  Expect<Same<keyof WsVoiceClientMessages, contract.WsClientFrame['type']>>,
  // Payloads the server sends fit the contract; payloads the contract lets a client send, the server accepts.
  Expect<ServerFits<RootServer, contract.RootServerToClientEvents>>,
  Expect<ServerFits<VoiceServerEvents, contract.VoiceServerToClientEvents>>,
  Expect<ClientFits<Omit<contract.RootClientToServerEvents, 'register'>, RootClient>>,
  Expect<ClientFits<Omit<contract.VoiceClientToServerEvents, 'AudioData'>, VoiceClientEvents>>,
];

export function typedClientsRefuseWrongEvents(url: string): void {
  const root: Socket<contract.RootServerToClientEvents, contract.RootClientToServerEvents> = io(url, { autoConnect: false });
  root.on('incomingCall', ({ from, signalData }) => void [from, signalData]);
  root.emit('callUser', { targetUserId: 'id', signalData: { type: 'offer' } }, (ack) => void (ack.ok ? ack.status : ack.error_code));
  // @ts-expect-error: no such event
  root.emit('callUsr', { targetUserId: 'id', signalData: {} });
  // @ts-expect-error: signalData is required
  root.emit('callUser', { targetUserId: 'id' });
  // @ts-expect-error: a server→client event is not something a client emits
  root.emit('incomingCall', { from: 'id', username: 'a', signalData: {} });
  // @ts-expect-error: no such server event
  root.on('incommingCall', () => undefined);

  const voice: Socket<contract.VoiceServerToClientEvents, contract.VoiceClientToServerEvents> = io(`${url}/voice`, { autoConnect: false });
  voice.emit('JoinChannel', { channel_id: 'id' }, (ack) => void (ack.ok ? ack.members : ack.message));
  voice.emit('AudioData', { channel_id: 'id', data: new Uint8Array(160), seq: 1 });
  // @ts-expect-error: the voice events are spelled in PascalCase
  voice.emit('joinChannel', { channel_id: 'id' });
  // @ts-expect-error: channel_id is required
  voice.emit('AudioData', { data: 'AAAA' });

  const frame: contract.WsClientFrame = { type: 'JoinChannel', channel_id: 'id' };
  // @ts-expect-error: /ws JSON frames carry base64 text, not bytes
  const binary: contract.WsClientFrame = { type: 'AudioData', channel_id: 'id', data: new Uint8Array(1) };
  void [frame, binary];
}

type Listed<T extends readonly string[]> = T[number];
type Names = typeof contract.SOCKET_EVENT_NAMES;
// The name lists the AsyncAPI test compares against are complete, not just a subset.
export type NameChecks = [
  Expect<Same<Listed<Names['root']['serverToClient']>, keyof contract.RootServerToClientEvents>>,
  Expect<Same<Listed<Names['root']['clientToServer']>, keyof contract.RootClientToServerEvents>>,
  Expect<Same<Listed<Names['voice']['serverToClient']>, keyof contract.VoiceServerToClientEvents>>,
  Expect<Same<Listed<Names['voice']['clientToServer']>, keyof contract.VoiceClientToServerEvents>>,
  Expect<Same<Listed<Names['ws']['serverToClient']>, contract.WsServerFrame['type']>>,
  Expect<Same<Listed<Names['ws']['clientToServer']>, contract.WsClientFrame['type']>>,
];
