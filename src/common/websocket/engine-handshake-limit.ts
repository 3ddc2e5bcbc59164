import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { originAllowed } from '../../config/cors';
import { clientIp, TrustProxyFn } from '../net/client-ip';
import { refuseRequest, refuseUpgrade } from './http-refusal';
import type { KeyedRateLimiter } from './rate-limit';
import type { RefusalPacer } from './refusal-pacer';
import { TurnPacer } from './turn-pacer';

/** The parts of an engine.io server the limit wraps (`prepare` is not in its public typings). */
interface EngineServer {
  opts: { transports: string[] };
  prepare(request: IncomingMessage): void;
  handleRequest(request: IncomingMessage, response: ServerResponse): void;
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

type EngineRequest = IncomingMessage & { _query: Record<string, string | undefined> };

const PATH = '/socket.io/';
/** New handshakes engine.io takes on per turn of the event loop (each costs it a session and an answer). */
const HANDSHAKES_PER_TURN = 16;

export interface HandshakeLimit {
  limiter: KeyedRateLimiter;
  /** Holds each refusal before it is written. */
  pacer: RefusalPacer;
  trust: TrustProxyFn;
  allowedOrigins: ReadonlySet<string>;
  onRefused(): void;
}

/**
 * Applies the per-IP handshake budget in front of engine.io, so a refused
 * handshake is a 429 with `Retry-After` and the SPEC's error body (engine.io's
 * own `allowRequest` can only answer 400/403), and costs no engine.io work
 * beyond parsing its query: no middleware, no transport, no session. The
 * answer is held by the pacer before it is written.
 *
 * Only what engine.io would treat as a new handshake spends the budget (no
 * `sid`, GET, a known transport, websocket only as an upgrade, an allowed
 * origin): everything else goes to engine.io untouched, which refuses it as
 * before. engine.io keeps the parsed query (`req._query`), so it is parsed once.
 *
 * Accepted handshakes reach engine.io a few per turn of the event loop: an
 * address's whole burst budget arriving at once would otherwise be taken on in
 * one go, delaying every connected client's messages behind it.
 */
export function limitEngineHandshakes(engine: unknown, limit: HandshakeLimit): void {
  const server = engine as EngineServer;
  const handleRequest = server.handleRequest.bind(server);
  const handleUpgrade = server.handleUpgrade.bind(server);
  const admissions = new TurnPacer(HANDSHAKES_PER_TURN);
  /** Undefined for what is not a new handshake; else 0 when the budget takes it, or how long until it would. */
  const retryAfter = (request: IncomingMessage, upgrade: boolean): number | undefined => {
    server.prepare(request);
    if (!isHandshake(request as EngineRequest, upgrade, server.opts.transports, limit.allowedOrigins)) return undefined;
    return limit.limiter.take(clientIp(request, limit.trust), performance.now());
  };
  server.handleRequest = (request, response) => {
    const retryAfterMs = retryAfter(request, false);
    if (retryAfterMs === undefined) return handleRequest(request, response);
    if (retryAfterMs === 0) return admissions.run(() => handleRequest(request, response));
    limit.onRefused();
    const headers = { ...retryAfterHeader(retryAfterMs), ...corsHeaders(request) };
    limit.pacer.hold(() => refuseRequest(request, response, { code: 'RATE_LIMITED', path: PATH, headers }));
  };
  server.handleUpgrade = (request, socket, head) => {
    const retryAfterMs = retryAfter(request, true);
    if (retryAfterMs === undefined) return handleUpgrade(request, socket, head);
    if (retryAfterMs === 0) {
      // Node's HTTP server stops listening for errors on a socket it hands over for an upgrade.
      const destroy = () => socket.destroy();
      socket.on('error', destroy);
      return admissions.run(() => {
        socket.off('error', destroy);
        handleUpgrade(request, socket, head);
      });
    }
    limit.onRefused();
    socket.on('error', () => socket.destroy());
    limit.pacer.hold(() => refuseUpgrade(request, socket, { code: 'RATE_LIMITED', path: PATH, headers: retryAfterHeader(retryAfterMs) }));
  };
}

function isHandshake(request: EngineRequest, upgrade: boolean, transports: string[], allowedOrigins: ReadonlySet<string>): boolean {
  const { sid, transport } = request._query;
  if (sid || request.method !== 'GET' || transport === undefined || !transports.includes(transport)) return false;
  if (transport === 'websocket' && !upgrade) return false;
  return originAllowed(request.headers.origin, request.headers.host, allowedOrigins);
}

function retryAfterHeader(retryAfterMs: number): Record<string, string> {
  return { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) };
}

/** What engine.io's CORS handling would have added, so a browser on an allowed origin can read the refusal. */
function corsHeaders(request: IncomingMessage): Record<string, string> {
  const { origin } = request.headers;
  return origin ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } : {};
}
