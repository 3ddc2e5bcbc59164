import type { PublicUser } from '../../src/modules/users/user.presenter';
import type { TestApp } from './create-test-app';

export const DEFAULT_PASSWORD = 'Sup3r!secret';

/** The service principal's header (SERVICE_API_KEY from test/setup/env.ts). */
export const SERVICE_KEY_HEADERS = { 'X-API-Key': process.env.SERVICE_API_KEY as string };

export interface UserOverrides {
  username?: string;
  password?: string;
  email?: string;
  display_name?: string;
}

export interface LoggedIn {
  user: PublicUser;
  password: string;
  accessToken: string;
  sessionToken: string;
  refreshToken: string;
  /** `{Authorization: 'Bearer <access JWT>'}` for supertest's `.set()`. */
  headers: { Authorization: string };
}

/** What the helpers need of an app: its HTTP client and the database (one test app, or one instance of a cluster). */
export type HttpTarget = Pick<TestApp, 'http' | 'connection'>;

let counter = 0;

function uniqueUsername(): string {
  counter += 1;
  return `user${process.env.JEST_WORKER_ID ?? '1'}_${Date.now().toString(36)}${counter}`;
}

/** Creates an account through `POST /users` (open registration) and returns it with its password. */
export async function registerUser(t: HttpTarget, overrides: UserOverrides = {}): Promise<{ user: PublicUser; password: string }> {
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const res = await t
    .http()
    .post('/users')
    .send({ ...overrides, username: overrides.username ?? uniqueUsername(), password });
  if (res.status !== 201) throw new Error(`registerUser: ${res.status} ${JSON.stringify(res.body)}`);
  return { user: res.body as PublicUser, password };
}

/**
 * Registers a user (an admin when `role: 'admin'`: the role is set in the users
 * collection before logging in) and logs in through `POST /auth/login`.
 */
export async function loginAs(t: HttpTarget, overrides: UserOverrides & { role?: 'user' | 'admin' } = {}): Promise<LoggedIn> {
  const { role, ...fields } = overrides;
  const { user, password } = await registerUser(t, fields);
  if (role === 'admin') {
    await t.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { role: 'admin' } });
  }
  const res = await t.http().post('/auth/login').send({ username: user.username, password });
  if (res.status !== 200) throw new Error(`loginAs: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    user: res.body.user as PublicUser,
    password,
    accessToken: res.body.accessToken,
    sessionToken: res.body.token,
    refreshToken: res.body.refreshToken,
    headers: { Authorization: `Bearer ${res.body.accessToken}` },
  };
}
