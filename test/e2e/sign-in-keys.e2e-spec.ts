import { hash } from 'bcrypt';
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { DEFAULT_PASSWORD, loginAs, registerUser } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** The usernames and session_tokens collections: sign-in and session-token checks read by `_id`. */
describe('sign-in key collections (usernames, session_tokens)', () => {
  let t: TestApp;
  const db = (): Db => t.connection.db!;
  const claimOf = (key: string) =>
    db()
      .collection('usernames')
      .findOne({ _id: key as never });
  const login = (username: string, password = DEFAULT_PASSWORD) => t.http().post('/auth/login').send({ username, password });

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  describe('usernames', () => {
    it('lets exactly one of ten concurrent signups of one name (in any case) win', async () => {
      const names = ['Racer', 'racer', 'RACER', 'rAcer', 'raCer', 'racEr', 'raceR', 'RAcer', 'raCER', 'Racer'];
      const results = await Promise.all(names.map((username) => t.http().post('/users').send({ username, password: DEFAULT_PASSWORD })));
      const won = results.filter((res) => res.status === 201);
      expect(won).toHaveLength(1);
      for (const res of results.filter((r) => r.status !== 201)) expect(res.body).toMatchObject({ statusCode: 409, error_code: 'USERNAME_TAKEN' });
      expect(await db().collection('users').countDocuments()).toBe(1);
      expect(await db().collection('usernames').find().toArray()).toEqual([{ _id: 'racer', user_id: won[0].body.id, claimed_at: expect.any(Date) }]);
      await login('RACER').expect(200);
    });

    it('frees the old name on a rename and claims the new one', async () => {
      const me = await loginAs(t, { username: 'Alice' });
      await t.http().post('/auth/user').set(me.headers).send({ username: 'Alicia' }).expect(200);
      expect(await claimOf('alice')).toBeNull();
      expect(await claimOf('alicia')).toMatchObject({ user_id: me.user.id });
      await login('alicia').expect(200);
      await login('alice').expect(403);

      const other = await registerUser(t, { username: 'ALICE' });
      expect(await claimOf('alice')).toMatchObject({ user_id: other.user.id });
      await login('Alice').expect(200);
      // A name another user holds stays theirs.
      const refused = await t.http().post('/auth/user').set(me.headers).send({ username: 'alice' }).expect(409);
      expect(refused.body).toMatchObject({ error_code: 'USERNAME_TAKEN' });
      expect(await claimOf('alicia')).toMatchObject({ user_id: me.user.id });
      expect(await claimOf('alice')).toMatchObject({ user_id: other.user.id });
    });

    it('keeps the claim on a change of case only', async () => {
      const me = await loginAs(t, { username: 'bob' });
      await t.http().post('/auth/user').set(me.headers).send({ username: 'BOB' }).expect(200);
      expect(await db().collection('usernames').find().toArray()).toEqual([{ _id: 'bob', user_id: me.user.id, claimed_at: expect.any(Date) }]);
      await login('bob').expect(200);
    });

    it('frees the name when the account is deleted', async () => {
      const me = await loginAs(t, { username: 'carol' });
      await t.http().delete(`/users/${me.user.id}`).set(me.headers).expect(200);
      expect(await claimOf('carol')).toBeNull();
      await login('carol').expect(403);
      const again = await registerUser(t, { username: 'Carol' });
      expect(await claimOf('carol')).toMatchObject({ user_id: again.user.id });
      await login('carol').expect(200);
    });

    it('releases the claim of a signup refused for its email, so the name stays free', async () => {
      await registerUser(t, { username: 'first', email: 'same@example.com' });
      const res = await t.http().post('/users').send({ username: 'second', email: 'SAME@example.com', password: DEFAULT_PASSWORD }).expect(409);
      expect(res.body).toMatchObject({ error_code: 'EMAIL_TAKEN' });
      expect(await claimOf('second')).toBeNull();
      await registerUser(t, { username: 'second' });
    });

    it('takes over a claim left by a signup cut short, once the grace period is over', async () => {
      await db()
        .collection('usernames')
        .insertOne({ _id: 'ghost' as never, user_id: randomUUID(), claimed_at: new Date(Date.now() - 10_000) });
      const refused = await t.http().post('/users').send({ username: 'ghost', password: DEFAULT_PASSWORD }).expect(409);
      expect(refused.body).toMatchObject({ error_code: 'USERNAME_TAKEN' });

      await db()
        .collection('usernames')
        .updateOne({ _id: 'ghost' as never }, { $set: { claimed_at: new Date(Date.now() - 120_000) } });
      const { user } = await registerUser(t, { username: 'ghost' });
      expect(await claimOf('ghost')).toMatchObject({ user_id: user.id });
      await login('ghost').expect(200);
    });
  });

  describe('session_tokens', () => {
    it('writes the row at login and checks a connect token through it', async () => {
      const me = await loginAs(t);
      const [session] = await db().collection('sessions').find({ user_id: me.user.id }).toArray();
      expect(
        await db()
          .collection('session_tokens')
          .findOne({ _id: sha256(me.sessionToken) as never }),
      ).toEqual({
        _id: sha256(me.sessionToken),
        session_id: session._id,
        expires_at: session.expires_at,
      });
      expect(session.token_keyed).toBe(true);
      expect((await t.http().get('/auth/user').set('INSAkari-Connect-Token', me.sessionToken).expect(200)).body).toEqual({ user: me.user });
    });

    it('refuses a token whose row names a session of another token', async () => {
      const me = await loginAs(t);
      const forged = randomUUID();
      const [session] = await db().collection('sessions').find({ user_id: me.user.id }).toArray();
      await db()
        .collection('session_tokens')
        .insertOne({ _id: sha256(forged) as never, session_id: session._id, expires_at: session.expires_at });
      await t.http().get('/auth/user').set('INSAkari-Connect-Token', forged).expect(403);
    });

    it('refuses the token of a deleted account, whose row outlives its session until it expires', async () => {
      const me = await loginAs(t);
      await t.http().delete(`/users/${me.user.id}`).set(me.headers).expect(200);
      await eventually(async () => expect(await db().collection('sessions').countDocuments()).toBe(0));
      // A fresh instance: nothing cached.
      const fresh = await createTestApp();
      try {
        await fresh.http().get('/auth/user').set('INSAkari-Connect-Token', me.sessionToken).expect(403);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('data written before the key collections existed', () => {
    it('claims the names of old users and writes the token rows of old sessions at startup; both sign in', async () => {
      const userId = randomUUID();
      const now = new Date();
      await db()
        .collection('users')
        .insertOne({
          _id: userId as never,
          username: 'Veteran',
          username_key: 'veteran',
          email: null,
          email_key: `~${userId}`,
          display_name: 'Veteran',
          password_hash: await hash(DEFAULT_PASSWORD, 4),
          score: 0,
          role: 'user',
          is_active: true,
          last_login: null,
          created_at: now,
          updated_at: now,
        });
      const sessionToken = randomUUID();
      const sessionId = randomUUID();
      await db()
        .collection('sessions')
        .insertOne({
          _id: sessionId as never,
          user_id: userId,
          token_hash: sha256(sessionToken),
          refresh_hash: sha256(randomUUID()),
          previous_refresh_hash: null,
          rotated_at: null,
          refresh_generation: 0,
          ip: null,
          user_agent: null,
          created_at: now,
          last_used_at: now,
          expires_at: new Date(now.getTime() + 86400_000),
          revoked_at: null,
          revoked_reason: null,
        });

      // The old data is there when an instance starts: its backfill finds it.
      const upgraded = await createTestApp();
      try {
        await eventually(async () => {
          expect(await claimOf('veteran')).toMatchObject({ user_id: userId });
          expect(
            await db()
              .collection('session_tokens')
              .findOne({ _id: sha256(sessionToken) as never }),
          ).toMatchObject({ session_id: sessionId });
          expect(
            await db()
              .collection('users')
              .findOne({ _id: userId as never }),
          ).toMatchObject({ username_claimed: true });
          expect(
            await db()
              .collection('sessions')
              .findOne({ _id: sessionId as never }),
          ).toMatchObject({ token_keyed: true });
        });
        const res = await upgraded.http().post('/auth/login').send({ username: 'VETERAN', password: DEFAULT_PASSWORD }).expect(200);
        expect(res.body.user).toMatchObject({ id: userId, username: 'Veteran' });
        const me = (await upgraded.http().get('/auth/user').set('INSAkari-Connect-Token', sessionToken).expect(200)).body;
        expect(me.user).toMatchObject({ id: userId });
      } finally {
        await upgraded.close();
      }
    });
  });

  describe('the embedded database narrows a query to the _id it names, and still applies every other condition', () => {
    const things = () => db().collection<{ _id: string; n: number; tag?: string }>('things');
    beforeEach(async () => {
      await things().insertMany([
        { _id: 'a', n: 1, tag: 'x' },
        { _id: 'b', n: 2 },
      ]);
    });

    it('finds, counts and returns nothing for an _id whose other conditions fail', async () => {
      expect(await things().findOne({ _id: 'a', n: 2 })).toBeNull();
      expect(await things().findOne({ _id: 'a', n: { $gt: 0 }, tag: 'x' })).toEqual({ _id: 'a', n: 1, tag: 'x' });
      expect(await things().countDocuments({ _id: 'a', tag: { $exists: false } })).toBe(0);
      expect(await things().countDocuments({ _id: 'b', tag: { $exists: false } })).toBe(1);
      expect(
        await things()
          .find({ _id: 'a', $or: [{ n: 2 }, { tag: 'y' }] })
          .toArray(),
      ).toEqual([]);
      expect(await things().distinct('n', { _id: 'b', n: 1 })).toEqual([]);
    });

    it('updates and deletes nothing for an _id whose other conditions fail', async () => {
      expect(await things().updateOne({ _id: 'a', n: 2 }, { $set: { n: 9 } })).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
      expect(await things().updateMany({ _id: 'a', tag: 'y' }, { $set: { n: 9 } })).toMatchObject({ matchedCount: 0 });
      expect(await things().findOneAndUpdate({ _id: 'a', n: { $lt: 1 } }, { $inc: { n: 1 } }, { returnDocument: 'after' })).toBeNull();
      expect(await things().deleteOne({ _id: 'a', n: 2 })).toMatchObject({ deletedCount: 0 });
      expect(await things().findOneAndDelete({ _id: 'a', tag: 'y' })).toBeNull();
      expect(await things().find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 'a', n: 1, tag: 'x' },
        { _id: 'b', n: 2 },
      ]);

      expect(await things().updateOne({ _id: 'a', n: 1 }, { $set: { n: 9 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
      expect(await things().findOneAndUpdate({ _id: 'b', n: { $lt: 3 } }, { $inc: { n: 1 } }, { returnDocument: 'after' })).toEqual({ _id: 'b', n: 3 });
      expect(await things().deleteOne({ _id: 'a', n: 9 })).toMatchObject({ deletedCount: 1 });
      expect(await things().find().toArray()).toEqual([{ _id: 'b', n: 3 }]);
    });

    it('reads the one row through the _id index, and reports the filter pushed down only when _id is all it says', async () => {
      const explain = (filter: Record<string, unknown>) => db().command({ explain: { find: 'things', filter } });
      for (const filter of [{ _id: 'a' }, { _id: 'a', n: 1 }, { _id: 'a', n: { $gt: 0 }, tag: 'x' }]) {
        const plan = await explain(filter);
        expect(plan.queryPlanner.Plan).toEqual([expect.stringMatching(/detail=SEARCH \S+ USING INDEX \S+__id_ \(<expr>=\?\)$/)]);
        expect(plan.filterPushdown).toBe(Object.keys(filter).length === 1);
      }
      expect((await explain({ n: 1 })).queryPlanner.Plan).toEqual([expect.stringMatching(/detail=SCAN /)]);
    });

    it('does not narrow a filter that names _id by an operator', async () => {
      expect(
        await things()
          .find({ _id: { $in: ['a', 'b'] }, n: { $gt: 0 } })
          .sort({ _id: 1 })
          .toArray(),
      ).toHaveLength(2);
      expect(
        await things()
          .find({ _id: { $ne: 'a' } })
          .toArray(),
      ).toEqual([{ _id: 'b', n: 2 }]);
    });
  });
});
