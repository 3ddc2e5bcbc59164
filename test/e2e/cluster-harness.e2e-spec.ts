import { Cluster, startCluster } from '../utils/cluster';
import { loginAs } from '../utils/auth';
import { eventually } from '../utils/eventually';

jest.setTimeout(120_000);

describe('multi-instance harness', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('runs separate instances on one database, and survives kill, restart and a Redis restart', async () => {
    const [a, b] = cluster.instances;
    expect(a.port).not.toBe(b.port);
    expect(a.pid).not.toBe(b.pid);
    const alice = await loginAs(cluster.on(0));
    // Signed up on one instance, the account is there on the other.
    await b.http().get(`/users/${alice.user.id}`).set(alice.headers).expect(200);

    await b.kill();
    expect(b.running).toBe(false);
    await b.start();
    await b.http().get('/health').expect(200);

    await cluster.redis.stop();
    await eventually(async () => {
      await a.http().get('/health/ready').expect(503);
    }, 10_000);
    await cluster.redis.start();
    await eventually(async () => {
      await a.http().get('/health/ready').expect(200);
    }, 15_000);
  });
});
