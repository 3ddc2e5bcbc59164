import { loginAs } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { connectAs, disconnected } from '../utils/sockets';

/** A role change applies at the user's next request, not when the cached session expires (SPEC section 4). */
describe('role change', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  it('demotes and promotes at the next request, by session token and by access token, and closes sockets opened with the old role', async () => {
    const root = await loginAs(t, { role: 'admin' });
    // Any field besides the role makes a second admin, promoted by the bootstrap admin (`root`).
    const dave = await loginAs(t, { role: 'admin', username: `dave_${Date.now().toString(36)}` });
    const asDave = [dave.headers, { 'INSAkari-Connect-Token': dave.sessionToken }];
    // Both credentials load (and cache) Dave's session as an admin.
    for (const headers of asDave) await t.http().get('/admin/invitations').set(headers).expect(200);
    const socket = await connectAs(t.url, dave.accessToken);

    const dropped = disconnected(socket, 5000);
    await t.http().put(`/api/advanced/users/${dave.user.id}`).set(root.headers).send({ role: 'user' }).expect(200);
    for (const headers of asDave) {
      const refused = await t.http().get('/admin/invitations').set(headers).expect(403);
      expect(refused.body).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    }
    expect(await dropped).toBe('io server disconnect');

    await t.http().put(`/api/advanced/users/${dave.user.id}`).set(root.headers).send({ role: 'admin' }).expect(200);
    for (const headers of asDave) await t.http().get('/admin/invitations').set(headers).expect(200);
  });
});
