import { validateEnv } from './env.validation';

describe('validateEnv', () => {
  it('applies the documented defaults', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      MONGODB_DB: 'realtime',
      DATA_DIR: './data',
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
    const attempt = () => validateEnv({ PORT: 'abc', BCRYPT_COST: '4', REGISTRATION_MODE: 'closed', MONGODB_URI: 'http://db' });
    expect(attempt).toThrow(/^Invalid environment: /);
    for (const name of ['PORT must', 'BCRYPT_COST must', 'REGISTRATION_MODE must', 'MONGODB_URI must']) {
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
});
