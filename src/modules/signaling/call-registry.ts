/** A call between two users: ringing until the callee answers, then active. */
export interface Call {
  caller: string;
  callee: string;
  state: 'ringing' | 'active';
  /** The socket that placed the call: its disconnect ends the call. */
  callerSocket: string;
  /** The socket that answered; null while ringing (every socket of the callee rings). */
  calleeSocket: string | null;
}

/**
 * Who is in a call with whom, in this process. A user is in at most one call;
 * both parties map to the same Call.
 */
export class CallRegistry {
  private readonly byUser = new Map<string, Call>();

  of(userId: string): Call | undefined {
    return this.byUser.get(userId);
  }

  /** The call between exactly these two users, if any. */
  between(userId: string, peerId: string): Call | undefined {
    const call = this.byUser.get(userId);
    return call && peerOf(call, userId) === peerId ? call : undefined;
  }

  open(call: Call): void {
    this.byUser.set(call.caller, call);
    this.byUser.set(call.callee, call);
  }

  close(call: Call): void {
    if (this.byUser.get(call.caller) === call) this.byUser.delete(call.caller);
    if (this.byUser.get(call.callee) === call) this.byUser.delete(call.callee);
  }

  /** Forgets every call (admin reset) and returns them. */
  clear(): Call[] {
    const calls = [...new Set(this.byUser.values())];
    this.byUser.clear();
    return calls;
  }
}

export function peerOf(call: Call, userId: string): string {
  return call.caller === userId ? call.callee : call.caller;
}
