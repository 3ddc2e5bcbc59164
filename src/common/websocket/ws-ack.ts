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
