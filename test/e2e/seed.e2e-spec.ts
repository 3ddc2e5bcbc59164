import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { seedDemoData } from '../../src/scripts/seed-data';
import { createTestApp, TestApp } from '../utils/create-test-app';

/** What `npm run seed` does: an application context (no HTTP, no sockets), seeded, then closed. */
async function runSeed() {
  const context = await NestFactory.createApplicationContext(AppModule.forRoot({}), { logger: false, abortOnError: false });
  try {
    return await seedDemoData(context);
  } finally {
    await context.close();
  }
}

describe('npm run seed (seedDemoData)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  it('creates an admin, test users and public channels, whose printed passwords log in', async () => {
    const report = await runSeed();
    expect(report.accounts.map(({ username, role }) => ({ username, role }))).toEqual([
      { username: 'admin', role: 'admin' },
      { username: 'alice', role: 'user' },
      { username: 'bob', role: 'user' },
      { username: 'carol', role: 'user' },
    ]);
    expect(report.channels).toEqual([
      { name: 'General', created: true },
      { name: 'Gaming', created: true },
      { name: 'Music', created: true },
    ]);
    const admin = report.accounts[0];
    const login = await t.http().post('/auth/login').send({ username: admin.username, password: admin.password }).expect(200);
    expect(login.body.user.role).toBe('admin');
    const channels = await t.http().get('/api/channels').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    expect(channels.body.data.map((channel: { name: string }) => channel.name).sort()).toEqual(['Gaming', 'General', 'Music']);
  });

  it('is idempotent: a second run changes nothing and sets no password', async () => {
    await runSeed();
    const hashes = (await t.connection.collection('users').find({}).sort({ username: 1 }).toArray()).map((user) => user.password_hash);
    const second = await runSeed();
    expect(second.accounts.every((account) => account.password === undefined)).toBe(true);
    expect(second.channels.every((channel) => !channel.created)).toBe(true);
    expect(await t.connection.collection('users').countDocuments()).toBe(4);
    expect(await t.connection.collection('channels').countDocuments()).toBe(3);
    const after = (await t.connection.collection('users').find({}).sort({ username: 1 }).toArray()).map((user) => user.password_hash);
    expect(after).toEqual(hashes);
  });
});
