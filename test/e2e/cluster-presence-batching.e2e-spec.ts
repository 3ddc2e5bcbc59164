import { loginAs, LoggedIn } from '../utils/auth';
import { CLUSTER_SERVICE_HEADERS, Cluster, Instance, startCluster } from '../utils/cluster';
import { eventually } from '../utils/eventually';
import { believer, bursts, sleep, WINDOW_MS } from '../utils/presence-believer';
import { closeAll, ClientSocket, connectRecording } from '../utils/sockets';

jest.setTimeout(120_000);

const CONNECT_GAP_MS = 50;
const CROSS_INSTANCE_BURST_MS = 40;

/**
 * Two real instances on one Redis: each batches the announcements of its own
 * sockets, the Redis adapter carries each burst to every instance, and the
 * `users` list a newcomer gets (capped, cached between changes) is the
 * cluster's.
 */
describe('cluster: presence batching and the capped users list across instances', () => {
  let cluster: Cluster;
  let i0: Instance;
  let i1: Instance;
  const sockets: ClientSocket[] = [];

  async function believerOn(instance: Instance, login: LoggedIn) {
    const watcher = await believer(instance.url, login.accessToken);
    sockets.push(watcher.socket);
    return watcher;
  }

  async function connect(instance: Instance, login: LoggedIn) {
    const client = await connectRecording(instance.url, login.accessToken, '/', { record: ['users'] });
    sockets.push(client.socket);
    const users = await client.first<{ id: string; username: string }[]>('users', 5000);
    return { socket: client.socket, users };
  }

  async function connectedIds(instance: Instance, query = ''): Promise<string[]> {
    const res = await instance.http().get(`/api/users${query}`).set(CLUSTER_SERVICE_HEADERS).expect(200);
    return res.body.users as string[];
  }

  beforeAll(async () => {
    cluster = await startCluster({ instances: 2, env: { PRESENCE_FULL_LIST_MAX: '2' } });
    [i0, i1] = cluster.instances;
  });
  afterEach(async () => {
    closeAll(...sockets.splice(0));
    await eventually(async () => expect(await connectedIds(i0)).toEqual([]), 5000);
    await cluster.clearDatabase();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it("delivers another instance's arrivals in bursts at most one per window, each user once", async () => {
    const watcherLogin = await loginAs(cluster.on(0));
    const logins = await Promise.all(Array.from({ length: 8 }, () => loginAs(cluster.on(1))));
    const watcher = await believerOn(i0, watcherLogin);

    // Arrivals 50 ms apart, so unbatched announcements would be bursts of their own. A burst from the other
    // instance crosses Redis one event per message, and a loaded machine can hold one of them back for tens of
    // milliseconds: events up to 40 ms apart count as one burst.
    for (const login of logins) {
      void connect(i1, login);
      await sleep(CONNECT_GAP_MS);
    }
    await eventually(() => expect(watcher.arrivals).toHaveLength(logins.length), 5000);
    await sleep(3 * WINDOW_MS);

    expect(watcher.arrivals).toHaveLength(logins.length);
    expect(watcher.arrivals.map((arrival) => arrival.event)).toEqual(logins.map(() => 'userConnected'));
    expect(watcher.arrivals.map((arrival) => arrival.userId).sort()).toEqual(logins.map((login) => login.user.id).sort());
    const pushes = bursts(watcher.arrivals, CROSS_INSTANCE_BURST_MS);
    const span = watcher.arrivals[watcher.arrivals.length - 1].at - watcher.arrivals[0].at;
    expect(pushes.length).toBeLessThanOrEqual(Math.floor(span / (WINDOW_MS * 0.8)) + 1);
    expect([...watcher.online].sort()).toEqual([watcherLogin, ...logins].map((login) => login.user.id).sort());
  });

  it('ends every client on the true presence when a user leaves one instance and returns on the other within a window', async () => {
    const [w0, w1, mover, flicker] = await Promise.all([loginAs(cluster.on(0)), loginAs(cluster.on(1)), loginAs(cluster.on(0)), loginAs(cluster.on(1))]);
    const watcher0 = await believerOn(i0, w0);
    const watcher1 = await believerOn(i1, w1);
    const moving = await connect(i0, mover);
    await eventually(() => expect(watcher1.online.has(mover.user.id)).toBe(true), 3000);

    const flickering = await connect(i1, flicker);
    moving.socket.close();
    flickering.socket.close();
    await connect(i1, mover);

    const truth = [w0, w1, mover].map((login) => login.user.id).sort();
    await eventually(async () => expect([...(await connectedIds(i1))].sort()).toEqual(truth), 5000);
    await sleep(4 * WINDOW_MS);
    expect([...watcher0.online].sort()).toEqual(truth);
    expect([...watcher1.online].sort()).toEqual(truth);
  });

  it("gives a newcomer on either instance the cluster's first users, fresh after a departure, and pages the rest", async () => {
    const [a, b, c, d] = await Promise.all([loginAs(cluster.on(0)), loginAs(cluster.on(1)), loginAs(cluster.on(0)), loginAs(cluster.on(1))]);
    const first = await connect(i0, a);
    await connect(i1, b);
    await connect(i0, c);
    const newcomer = await connect(i1, d);
    expect(newcomer.users).toEqual([a, b].map(({ user }) => ({ id: user.id, username: user.username })));

    const page = await i0.http().get('/api/users?page=2&limit=2').set(CLUSTER_SERVICE_HEADERS).expect(200);
    expect(page.body).toEqual({
      users: [c.user.id, d.user.id],
      pagination: { current_page: 2, total_pages: 2, total_items: 4, items_per_page: 2, has_next: false, has_previous: true },
    });

    first.socket.close();
    await eventually(async () => expect(await connectedIds(i1)).toEqual([b.user.id, c.user.id, d.user.id]), 5000);
    const again = await connect(i1, a);
    expect(again.users).toEqual([b, c].map(({ user }) => ({ id: user.id, username: user.username })));
  });
});
