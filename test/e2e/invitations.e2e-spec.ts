import { BOOTSTRAP_ADMIN, DEFAULT_PASSWORD, LoggedIn, loginAs, SERVICE_KEY_HEADERS } from '../utils/auth';
import { moveClockForward } from '../utils/clock';
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
    // The bootstrap admin: the one account invite mode lets exist without an invitation.
    admin = await loginAs(t, { role: 'admin' });
  });
  afterEach(() => jest.useRealTimers());
  afterAll(() => t.close());

  const invitations = () => t.connection.collection('invitations');
  const users = () => t.connection.collection('users');
  const generate = (body: Record<string, unknown> = {}) => t.http().post('/admin/invitations/generate').set(admin.headers).send(body);
  const signup = (username: string, invitationCode?: string) =>
    t
      .http()
      .post('/auth/signup')
      .send({ username, email: `${username}@example.com`, password: DEFAULT_PASSWORD, invitationCode });

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
    ).toEqual([BOOTSTRAP_ADMIN.username, 'viaapi', 'viasignup', 'viausers']);
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
    const res = await signup(BOOTSTRAP_ADMIN.username, code).expect(409);
    expect(res.body.error_code).toBe('USERNAME_TAKEN');
    expect(await invitations().findOne({ code })).toMatchObject({ uses: 0, remaining_uses: 1, used_by: [] });
    await signup('second', code).expect(201);
  });

  it('refuses an expired or a revoked code, and lists by derived status', async () => {
    const expired = (await generate({ note: 'old', expiresInHours: 1 }).expect(201)).body.invitation.code;
    // Two hours pass for the service (only its clock: timers and sockets stay real).
    moveClockForward(2 * 3_600_000);
    admin = await loginAs(t, { role: 'admin' }); // the earlier access token has expired meanwhile
    const revokedCode = (await generate({ note: 'revoked' }).expect(201)).body.invitation.code;
    const revoke = await t.http().delete(`/admin/invitations/${revokedCode}`).set(admin.headers).expect(200);
    expect(revoke.body).toEqual({ message: 'Invitation revoked', invitation: expect.objectContaining({ code: revokedCode, status: 'revoked' }) });
    // The list is newest first: a second between creations keeps two of them from sharing a millisecond.
    moveClockForward(1_000);
    const used = (await generate({ note: 'used' }).expect(201)).body.invitation.code;
    await signup('user1', used).expect(201);
    moveClockForward(1_000);
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

    const cleanup = await t.http().post('/api/advanced/admin/cleanup').set(admin.headers).expect(200);
    expect(cleanup.body.data.counts).toMatchObject({ expired_invitations: 1 });
    expect(await invitations().countDocuments({ code: expired })).toBe(0);
    expect(await invitations().countDocuments()).toBe(3);
  });

  it('in open registration, checks and consumes a code that is given, recording who joined', async () => {
    const open = await createTestApp({ REGISTRATION_MODE: 'open' });
    try {
      const root = await loginAs(open, { role: 'admin' });
      const code = (await open.http().post('/admin/invitations/generate').set(root.headers).send({ maxUses: 1 }).expect(201)).body.invitation.code;
      const refused = await open
        .http()
        .post('/auth/signup')
        .send({ username: 'guessed', email: 'g@example.com', password: DEFAULT_PASSWORD, invitationCode: 'AAAA-BBBB-CCCC-DDDD' });
      expect(refused.status).toBe(403);
      expect(refused.body.error_code).toBe('INVITATION_INVALID');
      await open
        .http()
        .post('/auth/signup')
        .send({ username: 'invited', email: 'i@example.com', password: DEFAULT_PASSWORD, invitationCode: code })
        .expect(201);
      const listed = (await open.http().get('/admin/invitations').set(root.headers).expect(200)).body.invitations;
      expect(listed).toEqual([expect.objectContaining({ code, uses: 1, used_by: ['invited'], status: 'used', created_by: root.user.id })]);
      // Spent: a second account cannot come in on it, even though no code is needed at all.
      expect((await open.http().post('/users').send({ username: 'late', password: DEFAULT_PASSWORD, invitationCode: code })).status).toBe(403);
      await open.http().post('/users').send({ username: 'nocode', password: DEFAULT_PASSWORD }).expect(201);
      expect(
        (
          await open.connection
            .collection('users')
            .find({}, { projection: { username: 1 } })
            .toArray()
        )
          .map((user) => user.username)
          .sort(),
      ).toEqual([BOOTSTRAP_ADMIN.username, 'invited', 'nocode'].sort());
    } finally {
      await open.clearDatabase();
      await open.close();
    }
  });
});
