import { loginAs, LoggedIn, SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';

/**
 * "Read my own user" is answered from the profile cache (no database read for a fresh
 * profile), and every change the service makes to the account shows at the next read.
 */
describe('profile cache', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  async function me(login: LoggedIn) {
    return (await t.http().get('/auth/user').set(login.headers).expect(200)).body.user as Record<string, unknown>;
  }

  /** A change behind the service's back (straight into the database): only a database read would see it. */
  async function changeBehindTheServicesBack(id: string, display_name: string): Promise<void> {
    await t.connection.collection('users').updateOne({ _id: id as never }, { $set: { display_name } });
  }

  it('answers a fresh profile without reading the database again', async () => {
    const alice = await loginAs(t);
    expect((await me(alice)).display_name).toBe(alice.user.username);
    await changeBehindTheServicesBack(alice.user.id, 'Not read');
    expect((await me(alice)).display_name).toBe(alice.user.username);
    expect((await t.http().get(`/users/${alice.user.id}`).set(alice.headers).expect(200)).body.display_name).toBe(alice.user.username);
  });

  it('shows every change the service makes at the next GET /auth/user: profile, role, score, sign-in fields, last login', async () => {
    const root = await loginAs(t, { role: 'admin' });
    const alice = await loginAs(t);
    await me(alice);

    await t.http().put(`/api/advanced/users/${alice.user.id}`).set(alice.headers).send({ display_name: 'Alice A.', email: 'alice@example.com' }).expect(200);
    expect(await me(alice)).toMatchObject({ display_name: 'Alice A.', email: 'alice@example.com' });

    await t.http().put(`/api/advanced/users/${alice.user.id}`).set(root.headers).send({ role: 'admin', score: 40 }).expect(200);
    expect(await me(alice)).toMatchObject({ role: 'admin', score: 40 });

    await t.http().post(`/users/${alice.user.id}/score`).set(SERVICE_KEY_HEADERS).send({ increment: 2 }).expect(200);
    expect(await me(alice)).toMatchObject({ score: 42 });

    await t
      .http()
      .post('/auth/user')
      .set(alice.headers)
      .send({ username: `${alice.user.username}_2` })
      .expect(200);
    expect(await me(alice)).toMatchObject({ username: `${alice.user.username}_2` });

    const before = (await me(alice)).last_login as string;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await t
      .http()
      .post('/auth/login')
      .send({ username: `${alice.user.username}_2`, password: alice.password })
      .expect(200);
    expect(again.body.user.last_login > before).toBe(true);
    expect((await me(alice)).last_login).toBe(again.body.user.last_login);
    // Still cached after all that: each change dropped the entry, each read filled it again.
    await changeBehindTheServicesBack(alice.user.id, 'Not read');
    expect((await me(alice)).display_name).toBe('Alice A.');
  });

  it('refuses a deactivated or deleted account at the next request, cached or not', async () => {
    const root = await loginAs(t, { role: 'admin' });
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    await me(alice);
    await me(bob);
    await t.http().put(`/api/advanced/users/${alice.user.id}`).set(root.headers).send({ is_active: false }).expect(200);
    await t.http().get('/auth/user').set(alice.headers).expect(403);
    await t.http().delete(`/api/advanced/users/${bob.user.id}`).set(root.headers).expect(200);
    await t.http().get('/auth/user').set(bob.headers).expect(403);
    await t.http().get(`/users/${bob.user.id}`).set(root.headers).expect(404);
  });

  it('trusts the session a login just created: the first request or socket on it reads no session', async () => {
    const alice = await loginAs(t);
    const { sid } = JSON.parse(Buffer.from(alice.accessToken.split('.')[1], 'base64url').toString()) as { sid: string };
    // Only a database read would notice the session is gone.
    await t.connection.collection('sessions').deleteOne({ _id: sid as never });
    await t.http().get('/auth/user').set(alice.headers).expect(200);
    // A revocation through the service still ends it at once.
    await t.http().post('/auth/logout').set(alice.headers).expect(200);
    await t.http().get('/auth/user').set(alice.headers).expect(403);
  });
});
