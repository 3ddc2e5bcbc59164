import { EventEmitter2 } from '@nestjs/event-emitter';
import { ADMIN_EVENTS } from '../../src/common/events/admin.events';
import { DEFAULT_PASSWORD, LoggedIn, SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('invitations and invite-only registration', () => {
  let t: TestApp;
  let admin: LoggedIn;

  beforeAll(async () => {
    t = await createTestApp({ REGISTRATION_MODE: 'invite' });
  });
  beforeEach(async () => {
    await t.clearDatabase();
    admin = await loginAsAdmin();
  });
  afterAll(() => t.close());

  const invitations = () => t.connection.collection('invitations');
  const users = () => t.connection.collection('users');
  const generate = (body: Record<string, unknown> = {}) => t.http().post('/admin/invitations/generate').set(admin.headers).send(body);
  const signup = (username: string, invitationCode?: string) =>
    t
      .http()
      .post('/auth/signup')
      .send({ username, email: `${username}@example.com`, password: DEFAULT_PASSWORD, invitationCode });

  /** In invite mode the helper's open registration is closed: seed the admin through an invitation made in the database. */
  async function loginAsAdmin(): Promise<LoggedIn> {
    const now = Date.now();
    await invitations().insertOne({
      _id: 'bootstrap' as never,
      code: 'B00T-STRP-0000-0000',
      note: null,
      created_by: null,
      created_at: new Date(now),
      expires_at: new Date(now + 3_600_000),
      max_uses: 1,
      uses: 0,
      remaining_uses: 1,
      used_by: [],
      revoked_at: null,
    });
    await t.http().post('/users').send({ username: 'root', password: DEFAULT_PASSWORD, invitationCode: 'B00T-STRP-0000-0000' }).expect(201);
    await users().updateOne({ username: 'root' }, { $set: { role: 'admin' } });
    await invitations().deleteOne({ _id: 'bootstrap' as never });
    const res = await t.http().post('/auth/login').send({ username: 'root', password: DEFAULT_PASSWORD }).expect(200);
    return {
      user: res.body.user,
      password: DEFAULT_PASSWORD,
      accessToken: res.body.accessToken,
      sessionToken: res.body.token,
      refreshToken: res.body.refreshToken,
      headers: { Authorization: `Bearer ${res.body.accessToken}` },
    };
  }

  it('generates an invitation with defaults and answers the seed shape', async () => {
    const before = Date.now();
    const res = await generate({ note: 'for Bob' }).expect(201);
    expect(res.body).toEqual({
      invitation: {
        code: expect.stringMatching(CODE),
        note: 'for Bob',
        created_by: admin.user.id,
        created_at: expect.stringMatching(ISO),
        expires_at: expect.stringMatching(ISO),
        max_uses: 1,
        uses: 0,
        used_by: [],
        status: 'active',
      },
    });
    const lifetime = Date.parse(res.body.invitation.expires_at) - Date.parse(res.body.invitation.created_at);
    expect(lifetime).toBe(168 * 3_600_000);
    expect(Date.parse(res.body.invitation.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(await invitations().findOne({ code: res.body.invitation.code })).toMatchObject({ max_uses: 1, uses: 0, remaining_uses: 1 });
  });

  it.each([
    [{ maxUses: 0 }],
    [{ maxUses: 1.5 }],
    [{ maxUses: '3' }],
    [{ expiresInHours: 0 }],
    [{ expiresInHours: 9000 }],
    [{ note: 'x'.repeat(201) }],
    [{ uses: 5 }],
  ])('refuses %j', async (body) => {
    const res = await generate(body).expect(400);
    expect(res.body.error_code).toBe('INVALID_INPUT');
    expect(await invitations().countDocuments()).toBe(0);
  });

  it('keeps the admin routes to admins: 403 for a user and the service key, 401 for nobody', async () => {
    const code = (await generate().expect(201)).body.invitation.code;
    const user = await signup('plain', code).expect(201);
    const plain = await t.http().post('/auth/login').send({ username: user.body.user.username, password: DEFAULT_PASSWORD }).expect(200);
    const userHeaders = { Authorization: `Bearer ${plain.body.accessToken}` };
    for (const [method, path] of [
      ['post', '/admin/invitations/generate'],
      ['get', '/admin/invitations'],
      ['delete', `/admin/invitations/${code}`],
    ] as const) {
      await t.http()[method](path).set(userHeaders).expect(403);
      await t.http()[method](path).set(SERVICE_KEY_HEADERS).expect(403);
      await t.http()[method](path).expect(401);
    }
    expect(await invitations().countDocuments()).toBe(1);
  });

  it('requires a valid code on every account-creating route', async () => {
    for (const res of [
      await signup('nocode'),
      await signup('badcode', 'AAAA-BBBB-CCCC-DDDD'),
      await signup('garbage', 'not a code'),
      await t.http().post('/users').send({ username: 'seed0', password: DEFAULT_PASSWORD }),
      await t.http().post('/api/users').send({ username: 'seed4', display_name: 'Seed Four' }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error_code).toBe('INVITATION_INVALID');
    }
    const code = (await generate({ maxUses: 3 }).expect(201)).body.invitation.code;
    await signup('viasignup', code.toLowerCase().replace(/-/g, '')).expect(201);
    await t.http().post('/users').send({ username: 'viausers', password: DEFAULT_PASSWORD, invitationCode: code }).expect(201);
    await t.http().post('/api/users').send({ username: 'viaapi', display_name: 'Via Api', invitationCode: code }).expect(201);
    await signup('onetoomany', code).expect(403);
    expect(await invitations().findOne({ code })).toMatchObject({ uses: 3, remaining_uses: 0, used_by: ['viasignup', 'viausers', 'viaapi'] });
    expect(
      (
        await users()
          .find({}, { projection: { username: 1 } })
          .toArray()
      )
        .map((user) => user.username)
        .sort(),
    ).toEqual(['root', 'viaapi', 'viasignup', 'viausers']);
  });

  it('gives exactly one account for 10 parallel signups with a 1-use code', async () => {
    const code = (await generate().expect(201)).body.invitation.code;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => signup(`racer${i}`, code)));
    expect(results.filter((res) => res.status === 201)).toHaveLength(1);
    expect(results.filter((res) => res.status === 403).every((res) => res.body.error_code === 'INVITATION_INVALID')).toBe(true);
    expect(results.filter((res) => res.status === 403)).toHaveLength(9);
    expect(await users().countDocuments({ username: /^racer/ })).toBe(1);
    const stored = await invitations().findOne({ code });
    expect(stored).toMatchObject({ uses: 1, remaining_uses: 0 });
    expect(stored?.used_by).toHaveLength(1);
  });

  it('gives the use back when the account cannot be created', async () => {
    const code = (await generate().expect(201)).body.invitation.code;
    const res = await signup('root', code).expect(409);
    expect(res.body.error_code).toBe('USERNAME_TAKEN');
    expect(await invitations().findOne({ code })).toMatchObject({ uses: 0, remaining_uses: 1, used_by: [] });
    await signup('second', code).expect(201);
  });

  it('refuses an expired or a revoked code, and lists by derived status', async () => {
    const expired = (await generate({ note: 'old' }).expect(201)).body.invitation.code;
    await invitations().updateOne({ code: expired }, { $set: { expires_at: new Date(Date.now() - 1000) } });
    const revokedCode = (await generate({ note: 'revoked' }).expect(201)).body.invitation.code;
    const revoke = await t.http().delete(`/admin/invitations/${revokedCode}`).set(admin.headers).expect(200);
    expect(revoke.body).toEqual({ message: 'Invitation revoked', invitation: expect.objectContaining({ code: revokedCode, status: 'revoked' }) });
    const used = (await generate({ note: 'used' }).expect(201)).body.invitation.code;
    await signup('user1', used).expect(201);
    const active = (await generate({ note: 'active' }).expect(201)).body.invitation.code;

    for (const code of [expired, revokedCode]) {
      expect((await signup(`try${code.slice(0, 4)}`, code).expect(403)).body.error_code).toBe('INVITATION_INVALID');
    }
    const list = async (status?: string) =>
      (
        await t
          .http()
          .get('/admin/invitations')
          .query(status ? { status } : {})
          .set(admin.headers)
          .expect(200)
      ).body.invitations.map((invitation: { code: string; status: string }) => [invitation.code, invitation.status]);
    expect(await list()).toEqual([
      [active, 'active'],
      [used, 'used'],
      [revokedCode, 'revoked'],
      [expired, 'expired'],
    ]);
    expect(await list('active')).toEqual([[active, 'active']]);
    expect(await list('used')).toEqual([[used, 'used']]);
    expect(await list('expired')).toEqual([[expired, 'expired']]);
    expect(await list('revoked')).toEqual([[revokedCode, 'revoked']]);
    await t.http().get('/admin/invitations?status=bogus').set(admin.headers).expect(400);
    await t.http().delete('/admin/invitations/ZZZZ-ZZZZ-ZZZZ-ZZZZ').set(admin.headers).expect(404);

    const counts = await t.app.get(EventEmitter2).emitAsync(ADMIN_EVENTS.cleanup);
    expect(counts).toEqual(expect.arrayContaining([{ expired_invitations: 1 }]));
    expect(await invitations().countDocuments({ code: expired })).toBe(0);
  });
});
