import { createTestApp, TestApp } from '../utils/create-test-app';

describe('bootstrap admin (ADMIN_USERNAME / ADMIN_PASSWORD)', () => {
  const env = {
    MONGODB_DB: `bootstrap_${process.env.JEST_WORKER_ID ?? '1'}`,
    ADMIN_USERNAME: 'root',
    ADMIN_PASSWORD: 'R00t!passw0rd',
  };
  let apps: TestApp[] = [];

  const boot = async (overrides: Record<string, string> = {}) => {
    const t = await createTestApp({ ...env, ...overrides });
    apps.push(t);
    return t;
  };

  afterEach(async () => {
    await apps[0]?.clearDatabase();
    await Promise.all(apps.map((t) => t.close()));
    apps = [];
  });

  it('creates the admin once, with a bcrypt hash, and it can log in', async () => {
    const t = await boot();
    const admins = await t.connection.collection('users').find({ role: 'admin' }).toArray();
    expect(admins).toHaveLength(1);
    expect(admins[0]).toMatchObject({ username: 'root', role: 'admin', is_active: true });
    expect(admins[0].password_hash).toMatch(/^\$2b\$10\$/);

    const login = await t.http().post('/auth/login').send({ username: 'root', password: 'R00t!passw0rd' }).expect(200);
    expect(login.body.user).toMatchObject({ username: 'root', role: 'admin' });

    await boot();
    expect(await t.connection.collection('users').countDocuments({ role: 'admin' })).toBe(1);
  });

  it('never takes over an existing account of that name', async () => {
    const first = await boot({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '' });
    await first.http().post('/users').send({ username: 'root', password: 'Us3r!passw0rd' }).expect(201);
    await boot();
    const root = await first.connection.collection('users').findOne({ username: 'root' });
    expect(root?.role).toBe('user');
    expect(await first.connection.collection('users').countDocuments({ role: 'admin' })).toBe(0);
  });
});
