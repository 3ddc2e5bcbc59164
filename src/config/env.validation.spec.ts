import { validateEnv } from './env.validation';
import { parseTrustProxy } from './trust-proxy';

describe('validateEnv', () => {
  it('applies the documented defaults', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      MONGODB_DB: 'realtime',
      DATA_DIR: './data',
      EMBEDDED_DB_SYNCHRONOUS: 'normal',
      JWT_ACCESS_TTL_S: 900,
      BCRYPT_COST: 10,
      REGISTRATION_MODE: 'open',
      METRICS_INTERVAL_MS: 5000,
      METRICS_RETENTION_S: 86400,
    });
    expect(env.MONGODB_URI).toBeUndefined();
  });

  it('converts numbers and treats blank optional values as unset', () => {
    const env = validateEnv({ PORT: '8081', WS_PORT: '8082', MONGODB_URI: '' });
    expect(env.PORT).toBe(8081);
    expect(env.WS_PORT).toBe(8082);
    expect(env.MONGODB_URI).toBeUndefined();
  });

  it('names every bad variable in one message', () => {
    const attempt = () => validateEnv({ PORT: 'abc', BCRYPT_COST: '4', REGISTRATION_MODE: 'closed', MONGODB_URI: 'http://db', EMBEDDED_DB_SYNCHRONOUS: 'off' });
    expect(attempt).toThrow(/^Invalid environment: /);
    for (const name of ['PORT must', 'BCRYPT_COST must', 'REGISTRATION_MODE must', 'MONGODB_URI must', 'EMBEDDED_DB_SYNCHRONOUS must']) {
      expect(attempt).toThrow(name);
    }
  });

  it('requires a real JWT_SECRET in production', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: required/);
    expect(() => validateEnv({ NODE_ENV: 'production', JWT_SECRET: 'change-me-change-me-change-me-change-me' })).toThrow(/placeholder/);
    expect(validateEnv({ NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(48) }).JWT_SECRET_GENERATED).toBeUndefined();
  });

  it('generates a per-process secret in development, flagged for a warning', () => {
    const env = validateEnv({});
    expect(env.JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.JWT_SECRET_GENERATED).toBe(true);
  });

  it('requires ADMIN_PASSWORD with ADMIN_USERNAME, meeting the password policy', () => {
    expect(() => validateEnv({ ADMIN_USERNAME: 'root' })).toThrow(/ADMIN_PASSWORD: required/);
    expect(() => validateEnv({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'admin' })).toThrow(
      /ADMIN_PASSWORD: password must be at least 8 characters long.*ADMIN_PASSWORD: password must contain an uppercase letter/,
    );
    expect(validateEnv({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'R00t!passw0rd' }).ADMIN_PASSWORD).toBe('R00t!passw0rd');
  });

  it('reads TRUST_PROXY as Express would, trusting no proxy by default and refusing "true"', () => {
    expect(parseTrustProxy(validateEnv({}).TRUST_PROXY)).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('loopback, 10.0.0.0/8, 2001:db8::1')).toEqual(['loopback', '10.0.0.0/8', '2001:db8::1']);
    for (const bad of ['true', 'everyone', '10.0.0.0/33', '300.1.1.1', '99']) {
      expect(() => validateEnv({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });

  it('defaults CHANNELS_PER_USER to 50 and leaves SWAGGER_ENABLED unset (on outside production)', () => {
    expect(validateEnv({})).toMatchObject({ CHANNELS_PER_USER: 50, SWAGGER_ENABLED: undefined });
    expect(() => validateEnv({ CHANNELS_PER_USER: '0' })).toThrow(/CHANNELS_PER_USER/);
  });
});
