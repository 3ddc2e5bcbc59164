import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { DEFAULT_PASSWORD, loginAs } from '../utils/auth';
import { CLUSTER_SERVICE_HEADERS, Cluster, startCluster } from '../utils/cluster';
import { eventually } from '../utils/eventually';
import { closeAll, ClientSocket, connectRecording } from '../utils/sockets';

jest.setTimeout(120_000);

/** Accounts, scores and figures with requests spread over two real instances on one database and one Redis (SPEC section 8). */
describe('cluster: accounts, scores and per-instance figures', () => {
  let cluster: Cluster;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 });
  });
  afterEach(async () => {
    closeAll(...sockets.splice(0));
    await cluster.clearDatabase();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('creates one account when one username is raced across instances', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => cluster.instances[i % 2].http().post('/users').send({ username: 'raced_name', password: DEFAULT_PASSWORD })),
    );
    expect(attempts.map((res) => res.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect(await cluster.connection.collection('users').countDocuments({ username: 'raced_name' })).toBe(1);
  });

  it('lands every one of 50 parallel score increments split across instances', async () => {
    const { user } = await loginAs(cluster.on(0));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cluster.instances[i % 2].http().post(`/users/${user.id}/score`).set(CLUSTER_SERVICE_HEADERS).send({ increment: 1 })),
    );
    expect(results.map((res) => res.status)).toEqual(Array(50).fill(200));
    const stored = await cluster.connection.collection('users').findOne({ _id: user.id as never });
    expect(stored?.score).toBe(50);
  });

  it('names the answering instance in /api/metrics/current, /api/metrics/summary and the realtime_instance_info gauge', async () => {
    for (const instance of cluster.instances) {
      const current = await instance.http().get('/api/metrics/current').expect(200);
      expect(current.body.data.instance).toBe(instance.id);
      const summary = await instance.http().get('/api/metrics/summary').expect(200);
      expect(summary.body.data.instance).toBe(instance.id);
      const scrape = await instance.http().get('/metrics').expect(200);
      const family = parsePrometheusTextFormat(scrape.text).find((metric) => metric.name === 'realtime_instance_info');
      expect(family?.metrics).toEqual([{ labels: { instance: instance.id }, value: '1' }]);
    }
  });

  it('counts users and connections of every instance in the server statistics', async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    for (const [index, login] of [
      [0, alice],
      [1, bob],
      [1, alice],
    ] as const) {
      const client = await connectRecording(cluster.instances[index].url, login.accessToken, '/', { record: ['users'] });
      sockets.push(client.socket);
      await client.first('users', 5000);
    }
    for (const instance of cluster.instances) {
      const res = await instance.http().get('/api/advanced/statistics/server').set(alice.headers).expect(200);
      expect(res.body).toMatchObject({ total_users: 2, active_users: 2, system_stats: { active_connections: 3 } });
    }
  });

  it('shows a profile, role or score change made on one instance at the next GET /auth/user on the other', async () => {
    const [root, alice] = [await loginAs(cluster.on(0), { role: 'admin' }), await loginAs(cluster.on(0))];
    const me = async (index: number) => (await cluster.instances[index].http().get('/auth/user').set(alice.headers).expect(200)).body.user;
    // Cached on i1, as a change straight into the database (which only a read would see) shows.
    expect((await me(1)).display_name).toBe(alice.user.username);
    await cluster.connection.collection('users').updateOne({ _id: alice.user.id as never }, { $set: { display_name: 'Not read' } });
    expect((await me(1)).display_name).toBe(alice.user.username);

    await cluster.instances[0].http().put(`/api/advanced/users/${alice.user.id}`).set(alice.headers).send({ display_name: 'Alice A.' }).expect(200);
    expect(await me(1)).toMatchObject({ display_name: 'Alice A.' });
    await cluster.instances[0].http().put(`/api/advanced/users/${alice.user.id}`).set(root.headers).send({ role: 'admin' }).expect(200);
    expect(await me(1)).toMatchObject({ role: 'admin' });
    await cluster.instances[0].http().post(`/users/${alice.user.id}/score`).set(CLUSTER_SERVICE_HEADERS).send({ increment: 7 }).expect(200);
    expect(await me(1)).toMatchObject({ score: 7 });
    // And the other way round.
    await cluster.instances[1].http().put(`/api/advanced/users/${alice.user.id}`).set(alice.headers).send({ display_name: 'Alice B.' }).expect(200);
    expect(await me(0)).toMatchObject({ display_name: 'Alice B.', role: 'admin', score: 7 });
  });

  it('serves a session loaded on one instance on the other without reading it again, and still ends it there at logout', async () => {
    const alice = await loginAs(cluster.on(0));
    await cluster.instances[0].http().get('/auth/user').set(alice.headers).expect(200);
    // Gone from the database: only the session i0 offered lets i1 accept it, by access token and by session token.
    await cluster.connection.collection('sessions').deleteOne({ _id: sessionIdOf(alice.accessToken) as never });
    await eventually(() => cluster.instances[1].http().get('/auth/user').set(alice.headers).expect(200), 5000);
    await cluster.instances[1].http().get('/auth/user').set({ 'INSAkari-Connect-Token': alice.sessionToken }).expect(200);

    await cluster.instances[0].http().post('/auth/logout').set(alice.headers).expect(200);
    await cluster.instances[1].http().get('/auth/user').set(alice.headers).expect(403);
    await cluster.instances[1].http().get('/auth/user').set({ 'INSAkari-Connect-Token': alice.sessionToken }).expect(403);
  });
});

/** The `sid` claim of an access token (its payload is plain base64url JSON). */
function sessionIdOf(accessToken: string): string {
  return (JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;
}
