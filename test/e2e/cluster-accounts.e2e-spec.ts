import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { DEFAULT_PASSWORD, loginAs } from '../utils/auth';
import { CLUSTER_SERVICE_HEADERS, Cluster, startCluster } from '../utils/cluster';
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
});
