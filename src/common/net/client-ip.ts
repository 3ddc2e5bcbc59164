import type { IncomingMessage } from 'node:http';

/** Express's compiled `trust proxy` predicate: may the hop at distance `i` be trusted to report the one before it? */
export type TrustProxyFn = (address: string, hop: number) => boolean;

const TRUST_NOBODY: TrustProxyFn = () => false;

/**
 * The `trust proxy` predicate the Express app uses for `req.ip`, so sockets
 * (upgrades and engine.io handshakes, which never pass through Express) derive
 * the same client address as HTTP requests. Nobody is trusted when the app has
 * no such setting (no Express app, or `trust proxy` never set).
 */
export function trustProxyOf(expressApp: unknown): TrustProxyFn {
  const get = (expressApp as { get?: (setting: string) => unknown } | undefined)?.get;
  const fn = typeof get === 'function' ? get.call(expressApp, 'trust proxy fn') : undefined;
  return typeof fn === 'function' ? (fn as TrustProxyFn) : TRUST_NOBODY;
}

/**
 * The client address as Express computes `req.ip` (proxy-addr's rule): start at
 * the socket's peer and walk `X-Forwarded-For` from the right while the hop
 * just walked is trusted. With nobody trusted, the header is ignored, so a
 * client cannot choose its own address to escape a per-IP limit.
 */
export function clientIp(request: IncomingMessage, trust: TrustProxyFn): string {
  const peer = request.socket?.remoteAddress ?? 'unknown';
  if (trust === TRUST_NOBODY) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = typeof header === 'string' ? header.split(',').map((hop) => hop.trim()) : [];
  const hops = [peer, ...forwarded.reverse()];
  for (let i = 0; i < hops.length - 1; i++) {
    if (!trust(hops[i], i)) return hops[i];
  }
  return hops[hops.length - 1];
}
