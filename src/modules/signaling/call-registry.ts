import { randomUUID } from 'node:crypto';

/** A call between two users: ringing until the callee answers, then active. */
export interface Call {
  id: string;
  caller: string;
  callee: string;
  state: 'ringing' | 'active';
  /** The socket that placed the call: its disconnect ends the call. */
  callerSocket: string;
  /** The socket that answered; null while ringing (every socket of the callee rings). */
  calleeSocket: string | null;
}

export type NewCall = Pick<Call, 'caller' | 'callee' | 'callerSocket'>;

/** `caller-busy`: the caller is already in a call; `busy`: the callee is. */
export type OpenOutcome = { status: 'opened'; call: Call } | { status: 'caller-busy' } | { status: 'busy' };

/**
 * Who is in a call with whom. A user is in at most one call; both parties map
 * to the same call. Each method is one atomic step, so the Redis version
 * shared by several instances replaces the in-memory one: two calls racing
 * to the same free callee, one rings.
 */
export abstract class CallRegistry {
  abstract of(userId: string): Promise<Call | undefined>;
  /** The call between exactly these two users, if any. */
  abstract between(userId: string, peerId: string): Promise<Call | undefined>;
  /** Opens a ringing call when both parties are free. */
  abstract open(call: NewCall): Promise<OpenOutcome>;
  /** The callee's socket answers the ringing call from `caller`: it becomes active. Undefined when there is no such call. */
  abstract answer(callee: string, caller: string, socketId: string): Promise<Call | undefined>;
  /** Ends that call (by id); false when it had already ended. */
  abstract close(call: Call): Promise<boolean>;
  /** Ends every call (admin reset) and returns them. */
  abstract clear(): Promise<Call[]>;
  /** How many calls are ringing or active (for the metrics; never on a hot path). */
  abstract count(): Promise<number>;
}

/** One process's calls. Each method runs to completion without awaiting, so it is atomic on Node's single thread. */
export class InMemoryCallRegistry extends CallRegistry {
  private readonly byUser = new Map<string, Call>();

  async of(userId: string): Promise<Call | undefined> {
    return this.byUser.get(userId);
  }

  async between(userId: string, peerId: string): Promise<Call | undefined> {
    const call = this.byUser.get(userId);
    return call && peerOf(call, userId) === peerId ? call : undefined;
  }

  async open({ caller, callee, callerSocket }: NewCall): Promise<OpenOutcome> {
    if (this.byUser.has(caller)) return { status: 'caller-busy' };
    if (this.byUser.has(callee)) return { status: 'busy' };
    const call: Call = { id: randomUUID(), caller, callee, state: 'ringing', callerSocket, calleeSocket: null };
    this.byUser.set(caller, call);
    this.byUser.set(callee, call);
    return { status: 'opened', call };
  }

  async answer(callee: string, caller: string, socketId: string): Promise<Call | undefined> {
    const call = this.byUser.get(callee);
    if (!call || call.callee !== callee || call.caller !== caller || call.state !== 'ringing') return undefined;
    call.state = 'active';
    call.calleeSocket = socketId;
    return call;
  }

  async close(call: Call): Promise<boolean> {
    let closed = false;
    for (const party of [call.caller, call.callee]) {
      if (this.byUser.get(party)?.id === call.id) {
        this.byUser.delete(party);
        closed = true;
      }
    }
    return closed;
  }

  async clear(): Promise<Call[]> {
    const calls = [...new Set(this.byUser.values())];
    this.byUser.clear();
    return calls;
  }

  async count(): Promise<number> {
    // Both parties map to the same call.
    return this.byUser.size / 2;
  }
}

export function peerOf(call: Call, userId: string): string {
  return call.caller === userId ? call.callee : call.caller;
}
