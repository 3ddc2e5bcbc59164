import { toWsError, WsErrorPayload } from '../errors/app-error';

/** The acknowledgement of a client event that succeeded: `{ok:true, …}`. */
export type AckOk<T extends object = Record<never, never>> = { ok: true } & T;

/** The acknowledgement of a client event that failed: `{ok:false, error_code, message}`. */
export type AckError = { ok: false } & WsErrorPayload;

export type Ack<T extends object = Record<never, never>> = AckOk<T> | AckError;

/** The client's acknowledgement callback, when it passed one. */
export type AckCallback = (response: Ack<object>) => void;

export function ackOk<T extends object>(data: T): AckOk<T>;
export function ackOk(): AckOk;
export function ackOk(data?: object): AckOk<object> {
  return { ok: true, ...data };
}

export function ackError(error: unknown): AckError {
  return { ok: false, ...toWsError(error) };
}

/** Anything that can receive the `error` event. */
interface ErrorEventTarget {
  emit(event: 'error', payload: WsErrorPayload): unknown;
}

/**
 * A failed client event is answered through its ack callback as
 * `{ok:false, error_code, message}` when the client passed one, otherwise as
 * an `error` event `{error_code, message}`. The socket stays up.
 */
export function replyError(socket: ErrorEventTarget, ack: unknown, error: unknown): void {
  if (typeof ack === 'function') (ack as AckCallback)(ackError(error));
  else socket.emit('error', toWsError(error));
}
