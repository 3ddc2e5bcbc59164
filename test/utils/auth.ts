import { AdminBootstrapService } from '../../src/modules/users/admin-bootstrap.service';
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

/** The bootstrap admin of a test app (what ADMIN_USERNAME / ADMIN_PASSWORD create at startup). */
export const BOOTSTRAP_ADMIN = { username: `root${process.env.JEST_WORKER_ID ?? '1'}`, password: 'R00t!e2e-passw0rd' };

/**
 * Registers a user through `POST /users` and logs in through `POST /auth/login`.
 * `role: 'admin'` gives the bootstrap admin (created by the same code as at startup when no admin
 * exists); with other fields too, a new user promoted by that admin through `PUT /api/advanced/users/:id`.
 */
export async function loginAs(t: HttpTarget, overrides: UserOverrides & { role?: 'user' | 'admin' } = {}): Promise<LoggedIn> {
  const { role, ...fields } = overrides;
  if (role !== 'admin') {
    const { user, password } = await registerUser(t, fields);
    return logIn(t, user.username, password);
  }
  if (!('app' in t)) {
    // An instance in another process (the cluster tests): no bootstrap service to call here.
    const { user, password } = await registerUser(t, fields);
    await t.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { role: 'admin' } });
    return logIn(t, user.username, password);
  }
  await (t as TestApp).app.get(AdminBootstrapService).ensureAdmin(BOOTSTRAP_ADMIN.username, BOOTSTRAP_ADMIN.password);
  const root = await logIn(t, BOOTSTRAP_ADMIN.username, BOOTSTRAP_ADMIN.password);
  if (Object.keys(fields).length === 0) return root;
  const { user, password } = await registerUser(t, fields);
  const promoted = await t.http().put(`/api/advanced/users/${user.id}`).set(root.headers).send({ role: 'admin' });
  if (promoted.status !== 200) throw new Error(`loginAs: promotion ${promoted.status} ${JSON.stringify(promoted.body)}`);
  return logIn(t, user.username, password);
}

/** A new session of an existing account. */
export async function logIn(t: HttpTarget, username: string, password: string): Promise<LoggedIn> {
  const res = await t.http().post('/auth/login').send({ username, password });
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
