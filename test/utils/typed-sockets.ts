import type { Socket } from 'socket.io-client';
import type * as contract from '../../src/contracts/socket-events';
import { connectAs } from './sockets';

/** Socket.IO clients typed with the exported contract: a wrong event name or payload in a test does not compile. */
export type RootSocket = Socket<contract.RootServerToClientEvents, contract.RootClientToServerEvents>;
export type VoiceSocket = Socket<contract.VoiceServerToClientEvents, contract.VoiceClientToServerEvents>;

export const connectRoot = async (url: string, token: string): Promise<RootSocket> => await connectAs(url, token);
export const connectVoice = async (url: string, token: string): Promise<VoiceSocket> => await connectAs(url, token, '/voice');
