import { IncomingMessage, OutgoingHttpHeaders, ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from '../errors/error-body';
import { ERROR_CATALOGUE, ErrorCode } from '../errors/error-codes';
import { requestIdOf } from '../logging/request-id';

export interface Refusal {
  code: ErrorCode;
  /** The error body's `path` (the endpoint, never the query string, which may carry a token). */
  path: string;
  message?: string;
  /** Extra response headers (`Retry-After`, the CORS headers an allowed origin needs to read the body). */
  headers?: Record<string, string>;
}

/**
 * Answers a request that never reaches Express (an engine.io handshake) with
 * the SPEC's error body, its `request_id` and `X-Request-Id` (the client's own
 * when it sent a well-formed one, as for HTTP requests).
 */
export function refuseRequest(request: IncomingMessage, response: ServerResponse, refusal: Refusal): void {
  const { status, body, requestId } = render(request, refusal);
  const headers: OutgoingHttpHeaders = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': requestId,
    ...refusal.headers,
  };
  response.writeHead(status, headers).end(body);
}

/**
 * Answers an upgrade request with an HTTP error response written on the raw
 * socket, then closes it once written (a client that never closes its side
 * does not keep it open). Nothing to do when the client has gone already.
 */
export function refuseUpgrade(request: IncomingMessage, socket: Duplex, refusal: Refusal): void {
  if (socket.destroyed) return;
  const { status, body, requestId } = render(request, refusal);
  const extra = Object.entries({ 'X-Request-Id': requestId, ...refusal.headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Connection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
    () => socket.destroy(),
  );
}

function render(request: IncomingMessage, { code, path, message = ERROR_CATALOGUE[code].message }: Refusal) {
  const { status } = ERROR_CATALOGUE[code];
  const requestId = requestIdOf(request);
  return { status, requestId, body: JSON.stringify(errorBody({ status, code, message, path, requestId })) };
}
