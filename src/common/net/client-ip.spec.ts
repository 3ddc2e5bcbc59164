import type { IncomingMessage } from 'node:http';
import { clientIp, trustProxyOf } from './client-ip';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientIp', () => {
  it('is the peer address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const nobody = trustProxyOf(undefined);
    expect(clientIp(request('10.0.0.5', '203.0.113.9'), nobody)).toBe('10.0.0.5');
    expect(trustProxyOf({ get: () => undefined })('127.0.0.1', 0)).toBe(false);
  });

  it("walks X-Forwarded-For from the right while the hop is trusted, with the express app's predicate", () => {
    const settings = new Map<string, unknown>([['trust proxy fn', (address: string) => address === '10.0.0.1' || address === '10.0.0.2']]);
    const trust = trustProxyOf({ get: (name: string) => settings.get(name) });
    expect(clientIp(request('10.0.0.1', '198.51.100.4, 10.0.0.2'), trust)).toBe('198.51.100.4');
    expect(clientIp(request('10.0.0.1', '198.51.100.4, 203.0.113.7'), trust)).toBe('203.0.113.7');
    expect(clientIp(request('192.0.2.1', '198.51.100.4'), trust)).toBe('192.0.2.1');
    expect(clientIp(request('10.0.0.1'), trust)).toBe('10.0.0.1');
  });
});
