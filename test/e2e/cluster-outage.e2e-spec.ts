import WebSocket from 'ws';
import { DEFAULT_PASSWORD, loginAs, LoggedIn } from '../utils/auth';
import { CLUSTER_SERVICE_HEADERS, Cluster, Instance, startCluster } from '../utils/cluster';
import { eventually } from '../utils/eventually';
import { closeAll, ClientSocket, connectRecording, disconnected, waitFor } from '../utils/sockets';
import { WsTestClient } from '../utils/voice';

jest.setTimeout(180_000);

/**
 * Redis goes away and comes back empty (a restart without persistence): each
 * instance keeps serving its own clients meanwhile, readiness says 503, and
 * the cluster state heals within 15 s without restarting anything (SPEC section 8).
 */
describe('cluster: a Redis outage', () => {
  let cluster: Cluster;
  let i0: Instance;
  let i1: Instance;
  const sockets: ClientSocket[] = [];

  async function online(instance: Instance, login: LoggedIn) {
    const client = await connectRecording(instance.url, login.accessToken, '/', { record: ['users'] });
    sockets.push(client.socket);
    const users = await client.first<{ id: string }[]>('users', 5000);
    return { socket: client.socket, users };
  }

  async function connectedIds(instance: Instance): Promise<string[]> {
    const res = await instance.http().get('/api/users').set(CLUSTER_SERVICE_HEADERS).expect(200);
    return (res.body.users as string[]).sort();
  }

  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 });
    [i0, i1] = cluster.instances;
  });
  afterAll(async () => {
    closeAll(...sockets);
    await cluster?.close();
  });

  it('keeps serving each instance its own clients, turns readiness 503, and heals without restarts', async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const a = await online(i0, alice);
    const b = await online(i1, bob);
    const bobWs = new WsTestClient(new WebSocket(`ws://127.0.0.1:${i1.port}/ws?token=${encodeURIComponent(bob.accessToken)}`));
    await new Promise((resolve, reject) => bobWs.ws.once('open', resolve).once('error', reject));
    expect(await connectedIds(i0)).toEqual([alice.user.id, bob.user.id].sort());

    await cluster.redis.stop();
    for (const instance of [i0, i1]) {
      await eventually(async () => {
        await instance.http().get('/health/ready').expect(503);
      }, 10_000);
      await instance.http().get('/health').expect(200);
    }

    // Meanwhile i0 serves its own: sign-up, login, a new socket, a message to a local user.
    const carolName = `carol_${Date.now().toString(36)}`;
    await i0.http().post('/users').send({ username: carolName, password: DEFAULT_PASSWORD }).expect(201);
    const carolLogin = await i0.http().post('/auth/login').send({ username: carolName, password: DEFAULT_PASSWORD }).expect(200);
    const carol = await online(i0, { accessToken: carolLogin.body.accessToken } as LoggedIn);
    expect(carol.users.map((user) => user.id)).toEqual(expect.arrayContaining([alice.user.id, carolLogin.body.user.id]));
    const toAlice = waitFor(a.socket, 'message', 5000);
    const sent = await i0.http().post(`/api/users/${alice.user.id}/message`).set(CLUSTER_SERVICE_HEADERS).send({ message: 'still here' }).expect(200);
    expect(sent.body.delivered).toBe(1);
    expect(await toAlice).toMatchObject({ message: 'still here' });

    await cluster.redis.start();
    const restartedAt = Date.now();
    for (const instance of [i0, i1]) {
      await eventually(async () => {
        await instance.http().get('/health/ready').expect(200);
      }, 15_000);
    }
    // Presence written back by both instances: everyone connected anywhere, seen from either side.
    const everyone = [alice.user.id, bob.user.id, carolLogin.body.user.id].sort();
    await eventually(async () => {
      expect(await connectedIds(i0)).toEqual(everyone);
      expect(await connectedIds(i1)).toEqual(everyone);
    }, 15_000);
    expect(Date.now() - restartedAt).toBeLessThan(15_000);

    // Subscriptions made again: a message across instances, and a logout on i0 dropping bob's sockets on i1.
    const toBob = waitFor(b.socket, 'message', 5000);
    const across = await i0.http().post(`/api/users/${bob.user.id}/message`).set(CLUSTER_SERVICE_HEADERS).send({ message: 'healed' }).expect(200);
    expect(across.body.delivered).toBe(1);
    expect(await toBob).toMatchObject({ message: 'healed' });

    const dropped = disconnected(b.socket, 5000);
    await i0.http().post('/auth/logout').set(bob.headers).expect(200);
    expect(await dropped).toBe('io server disconnect');
    expect((await bobWs.closed).code).toBe(1008);
  });
});
