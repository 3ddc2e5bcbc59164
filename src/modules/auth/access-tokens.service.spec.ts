import type { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { strictMock } from '../../../test/utils/strict-mock';
import type { Env } from '../../config/env.validation';
import { AccessTokens } from './access-tokens.service';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const CLAIMS = { sub: 'alice', sid: '0b7a4c52-3b7e-4a55-9d55-5a2f0d1e9c11', username: 'Alice', role: 'user' } as const;

describe('AccessTokens', () => {
  const options = {
    secret: 'unit-test-secret',
    signOptions: { algorithm: 'HS256' as const, expiresIn: 900 },
    verifyOptions: { algorithms: ['HS256' as const] },
  };
  let jwt: JwtService;
  let verify: jest.SpyInstance;
  let tokens: AccessTokens;

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    jwt = new JwtService(options);
    verify = jest.spyOn(jwt, 'verify');
    tokens = new AccessTokens(jwt, strictMock<ConfigService<Env, true>>({ get: jest.fn().mockReturnValue(900) }, 'config'));
  });
  afterEach(() => jest.useRealTimers());

  it('verifies a token once; its next uses answer the same claims from memory', () => {
    const { accessToken } = tokens.issue(CLAIMS);
    const first = tokens.verify(accessToken);
    expect(first).toMatchObject({ ...CLAIMS, iat: T0 / 1000, exp: T0 / 1000 + 900 });
    expect(tokens.verify(accessToken)).toBe(first);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('refuses a remembered token from the second of its expiry on, as jsonwebtoken does', () => {
    const { accessToken } = tokens.issue(CLAIMS);
    tokens.verify(accessToken);
    jest.setSystemTime(T0 + 900_000 - 1);
    expect(tokens.verify(accessToken).sub).toBe('alice');
    jest.setSystemTime(T0 + 900_000);
    expect(() => tokens.verify(accessToken)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
    // Forgotten once expired, and still expired when checked afresh.
    expect(() => tokens.verify(accessToken)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('refuses, and never remembers, a token with a wrong signature, a changed payload or another key', () => {
    const { accessToken } = tokens.issue(CLAIMS);
    const [header, payload, signature] = accessToken.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ ...CLAIMS, role: 'admin', iat: T0 / 1000, exp: T0 / 1000 + 900 })).toString('base64url');
    const otherKey = new JwtService({ ...options, secret: 'another-secret' }).sign({ ...CLAIMS });
    for (const forged of [`${header}.${payload}.${signature.slice(0, -2)}AA`, `${header}.${otherPayload}.${signature}`, otherKey]) {
      expect(() => tokens.verify(forged)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
      expect(() => tokens.verify(forged)).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    }
    expect(verify).toHaveBeenCalledTimes(6);
    expect(tokens.verify(accessToken).role).toBe('user');
  });

  it('refuses a token without sid or sub, and an expired one, with the codes clients act on', () => {
    expect(() => tokens.verify(jwt.sign({ sub: 'alice' }))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    const expired = jwt.sign({ ...CLAIMS }, { expiresIn: 1 });
    jest.setSystemTime(T0 + 1000);
    expect(() => tokens.verify(expired)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED' }));
  });
});
