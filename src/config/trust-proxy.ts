import { isIP } from 'node:net';

/** What Express's `trust proxy` setting accepts, minus `true` (trusting every hop lets any client forge its address). */
export type TrustProxy = false | number | string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: unset or blank trusts no proxy (the client IP is the socket address);
 * a number trusts that many hops; otherwise a comma-separated list of addresses,
 * CIDR ranges and Express's named ranges (loopback, linklocal, uniquelocal).
 * Returns the problem as a string when the value is not one of these.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | string {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= 32 ? hops : 'TRUST_PROXY: a hop count must be at most 32';
  }
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => !NAMED_RANGES.has(entry) && !isAddressOrRange(entry));
  if (bad.length > 0) return `TRUST_PROXY: not a hop count, address, CIDR range or loopback/linklocal/uniquelocal: ${bad.join(', ').slice(0, 200)}`;
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
