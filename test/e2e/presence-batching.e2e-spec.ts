import { loginAs, LoggedIn, SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { believer, bursts, sleep, WINDOW_MS } from '../utils/presence-believer';
import { closeAll, ClientSocket, connectRecording, disconnected } from '../utils/sockets';

describe('presence announcements of namespace / (batching, the capped users list)', () => {
  let t: TestApp;
  const sockets: ClientSocket[] = [];

  async function connect(login: LoggedIn) {
    const client = await connectRecording(t.url, login.accessToken, '/', { record: ['users'] });
    sockets.push(client.socket);
    await client.first('users', 5000);
    return client.socket;
  }

  async function presence(app: TestApp = t): Promise<string[]> {
    const res = await app.http().get('/api/users').set(SERVICE_KEY_HEADERS).expect(200);
    return (res.body.users as string[]).sort();
  }

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterEach(() => closeAll(...sockets.splice(0)));
  afterAll(() => t.close());

  it('announces users who connect one after the other in bursts at most one per window, each user once', async () => {
    const watcherLogin = await loginAs(t);
    const logins = await Promise.all(Array.from({ length: 8 }, () => loginAs(t)));
    const watcher = await believer(t.url, watcherLogin.accessToken);
    sockets.push(watcher.socket);

    // Spread over two or three windows: announced one by one, they would arrive some 25 ms apart.
    for (const login of logins) {
      void connect(login);
      await sleep(25);
    }
    await eventually(() => expect(watcher.arrivals).toHaveLength(logins.length), 5000);
    await sleep(3 * WINDOW_MS);

    expect(watcher.arrivals.map((arrival) => arrival.event)).toEqual(logins.map(() => 'userConnected'));
    expect(watcher.arrivals.map((arrival) => arrival.userId).sort()).toEqual(logins.map((login) => login.user.id).sort());
    const pushes = bursts(watcher.arrivals);
    expect(pushes.length).toBeGreaterThan(1);
    expect(pushes.length).toBeLessThan(logins.length);
    const span = watcher.arrivals[watcher.arrivals.length - 1].at - watcher.arrivals[0].at;
    expect(pushes.length).toBeLessThanOrEqual(Math.floor(span / (WINDOW_MS * 0.8)) + 1);
    for (let i = 1; i < pushes.length; i++) {
      // Server flushes are WINDOW_MS apart at least; loopback delivery may shift one a little.
      expect(pushes[i][0].at - pushes[i - 1][pushes[i - 1].length - 1].at).toBeGreaterThan(WINDOW_MS * 0.6);
    }
  });

  it('announces a burst of simultaneous connects in one or two pushes, each user once', async () => {
    const watcherLogin = await loginAs(t);
    const logins = await Promise.all(Array.from({ length: 6 }, () => loginAs(t)));
    const watcher = await believer(t.url, watcherLogin.accessToken);
    sockets.push(watcher.socket);

    await Promise.all(logins.map(connect));
    await eventually(() => expect(watcher.arrivals).toHaveLength(logins.length), 5000);
    await sleep(3 * WINDOW_MS);

    expect(watcher.arrivals.map((arrival) => arrival.userId).sort()).toEqual(logins.map((login) => login.user.id).sort());
    expect(watcher.arrivals).toHaveLength(logins.length);
    expect(bursts(watcher.arrivals).length).toBeLessThanOrEqual(3);
  });

  it('leaves every client believing the true presence after connect and disconnect churn within windows', async () => {
    const watcherLogin = await loginAs(t);
    const [steady, flicker, returning, late] = await Promise.all(Array.from({ length: 4 }, () => loginAs(t)));
    const watcher = await believer(t.url, watcherLogin.accessToken);
    sockets.push(watcher.socket);
    const returningFirst = await connect(returning);
    await connect(steady);
    await sleep(3 * WINDOW_MS);

    // Within about one window: a user comes and goes, another leaves and comes back, a newcomer arrives meanwhile.
    const flickering = await connect(flicker);
    const newcomer = believer(t.url, late.accessToken);
    flickering.close();
    returningFirst.close();
    await connect(returning);
    const lateClient = await newcomer;
    sockets.push(lateClient.socket);

    const truth = [watcherLogin, steady, returning, late].map((login) => login.user.id).sort();
    await eventually(async () => expect(await presence()).toEqual(truth), 3000);
    await sleep(3 * WINDOW_MS);
    expect([...watcher.online].sort()).toEqual(truth);
    expect([...lateClient.online].sort()).toEqual(truth);
    // The returning user's departure and return, if told at all, end with the return.
    const lastAboutReturning = watcher.arrivals.filter((arrival) => arrival.userId === returning.user.id).pop();
    if (lastAboutReturning) expect(lastAboutReturning.event).toBe('userConnected');
  });

  it('tells the others of a departure within about one window, once', async () => {
    const watcherLogin = await loginAs(t);
    const leaver = await loginAs(t);
    const watcher = await believer(t.url, watcherLogin.accessToken);
    sockets.push(watcher.socket);
    const socket = await connect(leaver);
    await eventually(() => expect(watcher.arrivals).toHaveLength(1), 3000);

    const closing = disconnected(socket);
    socket.close();
    await closing;
    await eventually(() => expect(watcher.arrivals).toHaveLength(2), 3000);
    await sleep(3 * WINDOW_MS);
    expect(watcher.arrivals.map(({ event, userId }) => ({ event, userId }))).toEqual([
      { event: 'userConnected', userId: leaver.user.id },
      { event: 'userDisconnected', userId: leaver.user.id },
    ]);
    expect([...watcher.online]).toEqual([watcherLogin.user.id]);
  });

  describe('PRESENCE_FULL_LIST_MAX', () => {
    let capped: TestApp;
    const cappedSockets: ClientSocket[] = [];

    beforeAll(async () => {
      capped = await createTestApp({ PRESENCE_FULL_LIST_MAX: '3' });
    });
    beforeEach(() => capped.clearDatabase());
    afterEach(() => closeAll(...cappedSockets.splice(0)));
    afterAll(() => capped.close());

    it('gives a newcomer the first users only, and GET /api/users pages the rest', async () => {
      const logins = await Promise.all(Array.from({ length: 5 }, () => loginAs(capped)));
      // One after the other: the order they came online is the order of the list.
      for (const login of logins) {
        const client = await connectRecording(capped.url, login.accessToken, '/', { record: ['users'] });
        cappedSockets.push(client.socket);
        await client.first('users', 5000);
      }
      const newcomerLogin = await loginAs(capped);
      const newcomer = await connectRecording(capped.url, newcomerLogin.accessToken, '/', { record: ['users'] });
      cappedSockets.push(newcomer.socket);
      const users = await newcomer.first<{ id: string; username: string }[]>('users', 5000);
      expect(users).toEqual(logins.slice(0, 3).map(({ user }) => ({ id: user.id, username: user.username })));

      const everyone = [...logins, newcomerLogin].map(({ user }) => user.id);
      const all = await capped.http().get('/api/users').set(SERVICE_KEY_HEADERS).expect(200);
      expect(all.body).toEqual({ users: everyone });

      const rest = await capped.http().get('/api/users?page=2&limit=3').set(SERVICE_KEY_HEADERS).expect(200);
      expect(rest.body).toEqual({
        users: everyone.slice(3),
        pagination: { current_page: 2, total_pages: 2, total_items: 6, items_per_page: 3, has_next: false, has_previous: true },
      });
      const first = await capped.http().get('/api/users?limit=3&details=true').set(newcomerLogin.headers).expect(200);
      expect(first.body.users.map((user: { id: string }) => user.id)).toEqual(everyone.slice(0, 3));
      expect(first.body.users[0]).toEqual({ id: logins[0].user.id, username: logins[0].user.username, connections: 1, connected_since: expect.any(String) });
      expect(first.body.pagination).toEqual({ current_page: 1, total_pages: 2, total_items: 6, items_per_page: 3, has_next: true, has_previous: false });
      const beyond = await capped.http().get('/api/users?page=3&limit=3').set(SERVICE_KEY_HEADERS).expect(200);
      expect(beyond.body).toEqual({
        users: [],
        pagination: { current_page: 3, total_pages: 2, total_items: 6, items_per_page: 3, has_next: false, has_previous: true },
      });
      const defaultSize = await capped.http().get('/api/users?page=1').set(SERVICE_KEY_HEADERS).expect(200);
      expect(defaultSize.body.pagination).toMatchObject({ items_per_page: 100, total_items: 6 });
      expect(await presence(capped)).toEqual([...everyone].sort());
    });

    it('refuses bad paging values with INVALID_INPUT', async () => {
      const login = await loginAs(capped);
      for (const query of ['page=0', 'limit=0', 'limit=1001', 'page=abc', 'limit=2.5', 'page[$gt]=1']) {
        const res = await capped.http().get(`/api/users?${query}`).set(login.headers).expect(400);
        expect(res.body.error_code).toBe('INVALID_INPUT');
      }
    });

    it('sends a newcomer a list that follows departures (the cached list is not stale)', async () => {
      const [a, b] = await Promise.all([loginAs(capped), loginAs(capped)]);
      const first = await connectRecording(capped.url, a.accessToken, '/', { record: ['users'] });
      cappedSockets.push(first.socket);
      await first.first('users', 5000);
      const second = await connectRecording(capped.url, b.accessToken, '/', { record: ['users'] });
      cappedSockets.push(second.socket);
      expect((await second.first<{ id: string }[]>('users', 5000)).map((user) => user.id)).toEqual([a.user.id, b.user.id]);

      first.socket.close();
      await eventually(async () => expect(await presence(capped)).toEqual([b.user.id]), 3000);
      const third = await connectRecording(capped.url, a.accessToken, '/', { record: ['users'] });
      cappedSockets.push(third.socket);
      expect((await third.first<{ id: string }[]>('users', 5000)).map((user) => user.id)).toEqual([b.user.id, a.user.id]);
    });
  });
});
