import WebSocket from 'ws';
import { loginAs, LoggedIn } from '../utils/auth';
import { CLUSTER_SERVICE_HEADERS, Cluster, Instance, startCluster } from '../utils/cluster';
import { eventually } from '../utils/eventually';
import { closeAll, ClientSocket, connectRecording, disconnected, expectNoEvent, waitFor } from '../utils/sockets';
import { WsTestClient } from '../utils/voice';

jest.setTimeout(120_000);

/**
 * Two real instances on one Redis and one database, clients deliberately on
 * different instances: presence, pushes, messages and revocations act as one
 * service (SPEC section 8).
 */
describe('cluster: presence, pushes and revocation across instances', () => {
  let cluster: Cluster;
  let i0: Instance;
  let i1: Instance;
  const sockets: ClientSocket[] = [];
  const wsClients: WsTestClient[] = [];

  async function online(instance: Instance, login: LoggedIn, record: string[] = []) {
    const client = await connectRecording(instance.url, login.accessToken, '/', { record: ['users', ...record] });
    sockets.push(client.socket);
    const users = await client.first<{ id: string; username: string }[]>('users', 5000);
    return { socket: client.socket, users, first: client.first };
  }

  async function openWs(instance: Instance, login: LoggedIn): Promise<WsTestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${instance.port}/ws?token=${encodeURIComponent(login.accessToken)}`);
    const client = new WsTestClient(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    wsClients.push(client);
    return client;
  }

  async function connectedIds(instance: Instance): Promise<string[]> {
    const res = await instance.http().get('/api/users').set(CLUSTER_SERVICE_HEADERS).expect(200);
    return (res.body.users as string[]).sort();
  }

  beforeAll(async () => {
    cluster = await startCluster({ instances: 2 });
    [i0, i1] = cluster.instances;
  });
  afterEach(async () => {
    closeAll(...sockets.splice(0));
    for (const client of wsClients.splice(0)) client.close();
    // Every user of a test is gone before the next one starts (presence is cluster-wide).
    await eventually(async () => expect(await connectedIds(i0)).toEqual([]), 5000);
    await cluster.clearDatabase();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('tells first and last sockets apart across instances, and lists every connected user on every instance', async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const a = await online(i0, alice);
    expect(a.users).toEqual([{ id: alice.user.id, username: alice.user.username }]);

    const announced = waitFor(a.socket, 'userConnected', 5000);
    const b1 = await online(i1, bob);
    expect(await announced).toEqual({ id: bob.user.id, username: bob.user.username });
    expect(b1.users.map((user) => user.id).sort()).toEqual([alice.user.id, bob.user.id].sort());

    // Bob's second socket, on the other instance, is not a new arrival.
    const noSecondArrival = expectNoEvent(a.socket, 'userConnected', 500);
    const b2 = await online(i0, bob);
    await noSecondArrival;
    const both = [alice.user.id, bob.user.id].sort();
    expect(await connectedIds(i0)).toEqual(both);
    expect(await connectedIds(i1)).toEqual(both);
    const details = await i1.http().get('/api/users?details=true').set(CLUSTER_SERVICE_HEADERS).expect(200);
    expect(details.body.users.find((user: { id: string }) => user.id === bob.user.id)).toMatchObject({ username: bob.user.username, connections: 2 });

    // Closing one of two sockets (on i1) is not a departure; closing the last (on i0) is, for alice on i0.
    const noDeparture = expectNoEvent(a.socket, 'userDisconnected', 500);
    b1.socket.close();
    await noDeparture;
    const departed = waitFor(a.socket, 'userDisconnected', 5000);
    b2.socket.close();
    expect(await departed).toEqual({ userId: bob.user.id });
    expect(await connectedIds(i1)).toEqual([alice.user.id]);
  });

  it('delivers a message to every socket of a user on every instance, counting them all, and broadcasts to everyone', async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const a = await online(i0, alice);
    const b0 = await online(i0, bob);
    const b1 = await online(i1, bob);

    const toBob = [waitFor(b0.socket, 'message', 5000), waitFor(b1.socket, 'message', 5000)];
    const noLeak = expectNoEvent(a.socket, 'message', 500);
    const sent = await i0.http().post(`/api/users/${bob.user.id}/message`).set(alice.headers).send({ message: 'hello across' }).expect(200);
    expect(sent.body).toEqual({ status: 'Message sent', delivered: 2 });
    for (const payload of await Promise.all(toBob)) expect(payload).toEqual({ from: alice.user.id, message: 'hello across', sent_at: expect.any(String) });
    await noLeak;

    // A user connected only to the other instance is reachable from this one.
    const toAlice = waitFor(a.socket, 'message', 5000);
    const fromI1 = await i1.http().post(`/api/users/${alice.user.id}/message`).set(CLUSTER_SERVICE_HEADERS).send({ message: 'to i0' }).expect(200);
    expect(fromI1.body).toEqual({ status: 'Message sent', delivered: 1 });
    expect(await toAlice).toMatchObject({ from: 'service', message: 'to i0' });

    const everyone = [a, b0, b1].map(({ socket }) => waitFor(socket, 'message', 5000));
    const broadcast = await i1.http().post('/api/users/broadcast').set(CLUSTER_SERVICE_HEADERS).send({ message: 'all hands' }).expect(200);
    expect(broadcast.body).toEqual({ status: 'Message broadcasted', recipients: 3 });
    for (const payload of await Promise.all(everyone)) expect(payload).toMatchObject({ from: 'service', message: 'all hands' });
  });

  it('answers 404 for a user connected nowhere, from either instance', async () => {
    const alice = await loginAs(cluster.on(0));
    const res = await i1.http().post(`/api/users/${alice.user.id}/message`).set(CLUSTER_SERVICE_HEADERS).send({ message: 'anyone?' }).expect(404);
    expect(res.body).toMatchObject({ error_code: 'USER_NOT_CONNECTED' });
  });

  it('pushes user_created, UPDATE_SCORE and user_deleted to Socket.IO and /ws clients of every instance', async () => {
    const watcher = await loginAs(cluster.on(0));
    const admin = await loginAs(cluster.on(0), { role: 'admin' });
    const io1 = await online(i1, watcher);
    const ws1 = await openWs(i1, watcher);
    const ws0 = await openWs(i0, watcher);

    const created = waitFor<{ user: { id: string; username: string } }>(io1.socket, 'user_created', 5000);
    const res = await i0.http().post('/users').send({ username: 'pushed_everywhere', password: 'Sup3r!secret' }).expect(201);
    expect((await created).user).toMatchObject({ id: res.body.id, username: 'pushed_everywhere' });
    for (const ws of [ws1, ws0]) expect(await ws.next('user_created', 5000)).toMatchObject({ type: 'user_created', user: { id: res.body.id } });

    const scored = waitFor(io1.socket, 'UPDATE_SCORE', 5000);
    await i0.http().post(`/users/${res.body.id}/score`).set(CLUSTER_SERVICE_HEADERS).send({ increment: 7 }).expect(200);
    const score = { id: res.body.id, username: 'pushed_everywhere', score: 7, increment: 7 };
    expect(await scored).toEqual(score);
    expect(await ws1.next('UPDATE_SCORE', 5000)).toEqual({ type: 'UPDATE_SCORE', ...score });

    const deleted = waitFor(io1.socket, 'user_deleted', 5000);
    await i0.http().delete(`/users/${res.body.id}`).set(admin.headers).expect(200);
    expect(await deleted).toEqual({ id: res.body.id });
    expect(await ws1.next('user_deleted', 5000)).toEqual({ type: 'user_deleted', id: res.body.id });
  });

  it('enforces a logout on the other instance at the next request and drops its sockets there at once', async () => {
    const alice = await loginAs(cluster.on(0));
    await i1.http().get('/users').set(alice.headers).expect(200); // cached on i1
    const socket = (await online(i1, alice)).socket;
    const ws = await openWs(i1, alice);

    const dropped = disconnected(socket, 5000);
    await i0.http().post('/auth/logout').set(alice.headers).expect(200);
    expect(await dropped).toBe('io server disconnect');
    expect((await ws.closed).code).toBe(1008);
    await i1.http().get('/users').set(alice.headers).expect(401);
    await i1.http().get('/users').set({ 'INSAkari-Connect-Token': alice.sessionToken }).expect(401);
  });

  it('enforces a deactivation by an admin on one instance at the other, sockets dropped at once', async () => {
    const [alice, admin] = [await loginAs(cluster.on(1)), await loginAs(cluster.on(0), { role: 'admin' })];
    await i1.http().get('/users').set(alice.headers).expect(200);
    const socket = (await online(i1, alice)).socket;

    const dropped = disconnected(socket, 5000);
    await i0.http().put(`/api/advanced/users/${alice.user.id}`).set(admin.headers).send({ is_active: false }).expect(200);
    expect(await dropped).toBe('io server disconnect');
    await i1.http().get('/users').set(alice.headers).expect(401);
  });

  it('applies a role change made on one instance at the next request on the other, both ways, and drops the sockets opened with the old role', async () => {
    const [root, carol] = [await loginAs(cluster.on(0), { role: 'admin' }), await loginAs(cluster.on(0))];
    // Carol's session is cached on i1 as a user: admin routes refuse her.
    await i1.http().get('/admin/invitations').set(carol.headers).expect(403);
    const socket = (await online(i1, carol)).socket;

    const dropped = disconnected(socket, 5000);
    await i0.http().put(`/api/advanced/users/${carol.user.id}`).set(root.headers).send({ role: 'admin' }).expect(200);
    await i1.http().get('/admin/invitations').set(carol.headers).expect(200);
    // Her socket, opened as a user, is closed on the other instance: she reconnects with the new role.
    expect(await dropped).toBe('io server disconnect');

    await i0.http().put(`/api/advanced/users/${carol.user.id}`).set(root.headers).send({ role: 'user' }).expect(200);
    await i1.http().get('/admin/invitations').set(carol.headers).expect(403);
  });

  it('pushes to every socket of a user on both instances in one call, each once', async () => {
    const bob = await loginAs(cluster.on(0));
    const b0 = await online(i0, bob);
    const b1 = await online(i1, bob);
    const received = [waitFor(b0.socket, 'message', 5000), waitFor(b1.socket, 'message', 5000)];
    await i1.http().post(`/api/users/${bob.user.id}/message`).set(CLUSTER_SERVICE_HEADERS).send({ message: 'once' }).expect(200);
    await Promise.all(received);
    await Promise.all([expectNoEvent(b0.socket, 'message', 800), expectNoEvent(b1.socket, 'message', 800)]);
  });

  it("takes a stopped instance's users out of presence at once and tells the others", async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const a = await online(i0, alice);
    await online(i1, bob);

    const departed = waitFor(a.socket, 'userDisconnected', 5000);
    expect(await i1.stop()).toBe(0);
    expect(await departed).toEqual({ userId: bob.user.id });
    expect(await connectedIds(i0)).toEqual([alice.user.id]);
    await i1.start();
  });

  // Last: it kills an instance.
  it("releases a SIGKILLed instance's users within 15 s and tells the others", async () => {
    const [alice, bob] = [await loginAs(cluster.on(0)), await loginAs(cluster.on(1))];
    const a = await online(i0, alice);
    await online(i1, bob);
    expect(await connectedIds(i0)).toEqual([alice.user.id, bob.user.id].sort());

    const departed = waitFor(a.socket, 'userDisconnected', 15_000);
    const killedAt = Date.now();
    await i1.kill();
    expect(await departed).toEqual({ userId: bob.user.id });
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    expect(await connectedIds(i0)).toEqual([alice.user.id]);
    await i0.http().post(`/api/users/${bob.user.id}/message`).set(CLUSTER_SERVICE_HEADERS).send({ message: 'gone?' }).expect(404);
    sockets.splice(sockets.indexOf(a.socket), 1);
    a.socket.close();
    await i1.start();
  });
});
