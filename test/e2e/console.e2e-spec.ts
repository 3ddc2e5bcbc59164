import type { Page } from 'puppeteer-core';
import { loginAs, LoggedIn } from '../utils/auth';
import { buildConsole, ensureChromium, launchBrowser, TestBrowser } from '../utils/browser';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { closeAll, connectAs, connectError } from '../utils/sockets';
import { connectWs } from '../utils/voice';

const byTestId = (id: string) => `[data-testid="${id}"]`;

/** Opens the console and waits until its script has taken over the forms. */
async function open(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/console/`, { waitUntil: 'load' });
  await page.waitForSelector(`${byTestId('login-submit')}:not([disabled])`);
}

/** Reads an attribute (or the text, when `attribute` is omitted) of the element with this data-testid. */
async function read(page: Page, testId: string, attribute?: string): Promise<string | null> {
  return page.$eval(byTestId(testId), (element, name) => (name ? element.getAttribute(name) : element.textContent), attribute ?? null);
}

/** Logs in through the form, with the keyboard only: focus, type, Tab, type, Enter. */
async function logIn(page: Page, url: string, account: LoggedIn): Promise<void> {
  await open(page, url);
  await page.focus(byTestId('login-username'));
  await page.keyboard.type(account.user.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(account.password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#whoami:not([hidden])');
}

describe('web console at /console, in headless Chromium', () => {
  let t: TestApp;
  let chromium: TestBrowser;
  let alice: LoggedIn;
  let bob: LoggedIn;
  let pageA: Page;
  let pageB: Page;

  beforeAll(async () => {
    ensureChromium();
    buildConsole();
    // Samples twice a second so a chart has points quickly; any process is over 1 MB of RSS, so an alert is active.
    t = await createTestApp({ METRICS_INTERVAL_MS: '500', ALERT_MEMORY_RSS_MB: '1' });
    chromium = await launchBrowser();
    [alice, bob] = [await loginAs(t, { username: `alice_${Date.now().toString(36)}` }), await loginAs(t, { username: `bob_${Date.now().toString(36)}` })];
    [pageA, pageB] = [await chromium.newPage(), await chromium.newPage()];
  }, 600_000);

  afterAll(async () => {
    await chromium?.close();
    await t?.close();
  });

  it('serves the console as static files, and a missing file as the API error body', async () => {
    const redirect = await t.http().get('/console');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const index = await t.http().get('/console/').expect(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.text).toContain('data-testid="login-submit"');
    await t
      .http()
      .get('/console/console.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    const missing = await t.http().get('/console/nope.js').expect(404);
    expect(missing.body).toMatchObject({ success: false, statusCode: 404 });
  });

  it('lets the console call the API from the service’s own origin, and still refuses foreign ones', async () => {
    const own = await t.http().post('/auth/login').set('Origin', t.url).send({ username: alice.user.username, password: alice.password }).expect(200);
    expect(own.headers['access-control-allow-origin']).toBe(t.url);
    const foreign = await t
      .http()
      .post('/auth/login')
      .set('Origin', `http://attacker.example:${t.port}`)
      .send({ username: alice.user.username, password: alice.password });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ error_code: 'PERMISSION_DENIED', message: 'Origin not allowed by CORS' });

    const socket = await connectAs(t.url, alice.accessToken, '/voice', { extraHeaders: { Origin: t.url } });
    closeAll(socket);
    await expect(connectError(t.url, alice.accessToken, '/voice', { extraHeaders: { Origin: `http://attacker.example:${t.port}` } })).resolves.toBeDefined();
    const plain = await connectWs(t, alice.accessToken, { Origin: t.url });
    plain.close();
    await expect(connectWs(t, alice.accessToken, { Origin: `http://attacker.example:${t.port}` })).rejects.toMatchObject({ status: 403 });
  });

  it('shows a failed login in the words of the API', async () => {
    await open(pageA, t.url);
    await pageA.type(byTestId('login-username'), alice.user.username);
    await pageA.type(byTestId('login-password'), 'Wrong!password1');
    await pageA.click(byTestId('login-submit'));
    await pageA.waitForSelector(`${byTestId('login-error')}:not([hidden])`);
    expect(await read(pageA, 'login-error')).toBe('Invalid username or password');
  });

  it('signs up from the form: a refused password is explained rule by rule, then the account is created and signed in', async () => {
    const page = await chromium.newPage();
    await open(page, t.url);
    await page.click('#auth summary');
    const username = `dora_${Date.now().toString(36)}`;
    const weak = { username, email: `${username}@example.com`, password: 'short' };
    const { body: refusal } = await t.http().post('/auth/signup').send(weak).expect(400);
    await page.type(byTestId('signup-username'), weak.username);
    await page.type(byTestId('signup-email'), weak.email);
    await page.type(byTestId('signup-password'), weak.password);
    await page.click(byTestId('signup-submit'));
    await page.waitForSelector(`${byTestId('signup-error')}:not([hidden])`);
    const shown = await read(page, 'signup-error');
    expect(shown).toContain(refusal.message);
    for (const detail of refusal.details as { message: string }[]) expect(shown).toContain(detail.message);

    await page.$eval(byTestId('signup-password'), (input) => ((input as unknown as { value: string }).value = ''));
    await page.type(byTestId('signup-password'), 'Str0ng!enough');
    await page.click(byTestId('signup-submit'));
    await page.waitForSelector('#whoami:not([hidden])');
    expect(await page.$eval('#whoami-name', (element) => element.textContent)).toBe(username);
    expect(await t.connection.collection('users').countDocuments({ username })).toBe(1);
    await page.close();
  }, 30_000);

  it('logs two users in, shows each online live, carries a message, and keeps the session across a reload', async () => {
    await logIn(pageA, t.url, alice);
    await logIn(pageB, t.url, bob);
    await pageA.waitForSelector(byTestId(`call-button-${bob.user.id}`));
    await pageB.waitForSelector(byTestId(`call-button-${alice.user.id}`));

    await pageA.select(byTestId('message-to'), bob.user.id);
    await pageA.type(byTestId('message-text'), 'hello from the console');
    await pageA.click(byTestId('message-send'));
    await eventually(async () => expect(await read(pageB, 'message-log')).toContain('hello from the console'), 10_000);

    await pageA.reload({ waitUntil: 'load' });
    await pageA.waitForSelector('#whoami:not([hidden])');
    expect(await read(pageA, 'presence-list')).toContain(bob.user.username);
    await pageA.waitForSelector(byTestId(`call-button-${bob.user.id}`));
    await chromium.screenshot(pageA, '1-presence-and-messages');
  }, 45_000);

  it('calls B from A with real WebRTC audio: both peers connect and B receives packets with energy', async () => {
    await pageA.click(byTestId(`call-button-${bob.user.id}`));
    await pageB.waitForSelector(`${byTestId('call-state')}[data-phase="incoming"]`, { timeout: 15_000 });
    expect(await read(pageB, 'call-state')).toBe(`${alice.user.username} is calling`);
    await chromium.screenshot(pageB, '2-incoming-call');
    await pageB.click(byTestId('call-answer'));

    for (const page of [pageA, pageB]) {
      await page.waitForSelector(`${byTestId('call-state')}[data-phase="connected"]`, { timeout: 20_000 });
      expect(await read(page, 'call-connection')).toBe('connected');
    }
    let loudest = 0;
    await eventually(async () => {
      loudest = Math.max(loudest, Number(await read(pageB, 'call-level-in', 'data-rms')));
      expect(Number(await read(pageB, 'call-packets-in'))).toBeGreaterThan(25);
      expect(loudest).toBeGreaterThan(0.02);
    }, 15_000);
    await chromium.screenshot(pageB, '3-call-connected');

    await pageA.click(byTestId('call-hangup'));
    await pageB.waitForSelector(`${byTestId('call-state')}[data-phase="ended"]`);
    expect(await read(pageB, 'call-state')).toBe(`ended: ${alice.user.username} hung up`);
    expect(await read(pageA, 'call-state')).toBe('ended: you hung up');
  }, 60_000);

  it('shows a declined call, and a busy callee to a third caller', async () => {
    const carol = await loginAs(t, { username: `carol_${Date.now().toString(36)}` });
    const pageC = await chromium.newPage();
    // A's button for B stays the same element while someone else comes online, so a click aimed at it is not lost.
    const callBob = (await pageA.$(byTestId(`call-button-${bob.user.id}`)))!;
    await logIn(pageC, t.url, carol);
    await pageA.waitForSelector(`[data-user-id="${carol.user.id}"]`);
    expect(await callBob.evaluate((button) => button.isConnected)).toBe(true);

    // While A rings B, B is busy for a third caller.
    await pageA.click(byTestId(`call-button-${bob.user.id}`));
    await pageB.waitForSelector(`${byTestId('call-state')}[data-phase="incoming"]`);
    await pageC.waitForSelector(byTestId(`call-button-${bob.user.id}`));
    await pageC.click(byTestId(`call-button-${bob.user.id}`));
    await pageC.waitForSelector(`${byTestId('call-state')}[data-phase="ended"]`);
    expect(await read(pageC, 'call-state')).toBe(`ended: ${bob.user.username} is busy`);
    await chromium.screenshot(pageC, '3b-callee-busy');

    await pageB.click(byTestId('call-reject'));
    await pageA.waitForSelector(`${byTestId('call-state')}[data-phase="ended"]`);
    expect(await read(pageA, 'call-state')).toBe(`ended: ${bob.user.username} declined`);

    // A caller that was not declined may ring again at once, and cancels while it rings.
    await pageC.click(byTestId(`call-button-${bob.user.id}`));
    await pageB.waitForSelector(`${byTestId('call-state')}[data-phase="incoming"]`);
    await pageC.click(byTestId('call-hangup'));
    await pageB.waitForSelector(`${byTestId('call-state')}[data-phase="ended"]`);
    expect(await read(pageB, 'call-state')).toBe(`ended: ${carol.user.username} hung up`);
    await pageC.close();
  }, 45_000);

  it('joins A and B to one voice channel: B decodes A’s Opus frames with energy and A’s level meter moves', async () => {
    await pageA.type(byTestId('channel-create-name'), 'Lobby');
    await pageA.click(byTestId('channel-create-submit'));
    // Other channels (the seeded ones) are listed too: pick the one just created by its label.
    const joinA = await pageA.waitForSelector('[data-testid^="channel-join-"][aria-label="Join Lobby"]');
    const joinTestId = (await joinA!.evaluate((element) => element.getAttribute('data-testid')))!;
    const channelId = joinTestId.slice('channel-join-'.length);
    const created = await t.connection.collection('channels').findOne({ _id: channelId as never });
    expect(created).toMatchObject({ name: 'Lobby', owner_id: alice.user.id });

    await pageA.click(byTestId(joinTestId));
    await pageA.waitForSelector(byTestId(`speaker-level-${alice.user.id}`));
    await pageB.click(byTestId('channel-refresh'));
    await pageB.waitForSelector(byTestId(joinTestId));
    await pageB.click(byTestId(joinTestId));
    await pageB.waitForSelector(byTestId(`speaker-level-${alice.user.id}`));
    await pageA.waitForSelector(byTestId(`speaker-level-${bob.user.id}`));

    // On B's page, A's meter is fed by the frames B decoded; on A's page, by A's microphone.
    const seenOnB = new Set<string>();
    const seenOnA = new Set<string>();
    await eventually(async () => {
      seenOnB.add((await read(pageB, `speaker-level-${alice.user.id}`, 'data-rms'))!);
      seenOnA.add((await read(pageA, `speaker-level-${alice.user.id}`, 'data-rms'))!);
      expect(Number(await read(pageB, `speaker-frames-${alice.user.id}`))).toBeGreaterThan(50);
      expect(Math.max(...[...seenOnB].map(Number))).toBeGreaterThan(0.02);
      expect(seenOnB.size).toBeGreaterThanOrEqual(4);
      expect(seenOnA.size).toBeGreaterThanOrEqual(4);
    }, 20_000);
    expect(await pageB.$eval(byTestId(`speaker-level-${alice.user.id}`), (meter) => Number((meter as unknown as { value: number }).value))).toBeGreaterThan(0);

    // The channel's statistics come from the service's measurements of this traffic.
    await eventually(async () => expect(await read(pageB, 'channel-quality')).toMatch(/^\d+ \/ 100$/), 10_000);
    expect(await read(pageB, 'channel-loss')).toMatch(/%$/);
    await chromium.screenshot(pageB, '4-voice-channel');

    await pageB.click(byTestId('channel-leave'));
    await eventually(async () => expect(await pageA.$(byTestId(`speaker-level-${bob.user.id}`))).toBeNull(), 10_000);
  }, 60_000);

  it('shows an admin live charts of the metrics history and the active alerts, at desktop and phone widths', async () => {
    const admin = await loginAs(t, { role: 'admin' });
    const page = await chromium.newPage();
    await logIn(page, t.url, admin);
    await page.waitForSelector('#admin:not([hidden])');
    await eventually(async () => expect(Number(await read(page, 'metrics-chart', 'data-points'))).toBeGreaterThanOrEqual(2), 15_000);
    expect(await page.$$eval(`${byTestId('metrics-chart')} canvas`, (canvases) => canvases.length)).toBe(3);
    await page.waitForSelector(`${byTestId('alerts-list')} [data-alert-rule="memory_rss"]`, { timeout: 10_000 });
    const { body } = await t.http().get('/api/metrics/alerts?active=true').expect(200);
    const memory = body.data.find((alert: { rule: string }) => alert.rule === 'memory_rss');
    // The message carries the live figure, which moves between two reads: compare what does not.
    expect(await read(page, 'alerts-list')).toMatch(/Resident memory [\d.]+ MB above 1 MB/);
    expect(memory.message).toMatch(/Resident memory [\d.]+ MB above 1 MB/);
    expect(await page.$eval(`${byTestId('alerts-list')} [data-alert-rule="memory_rss"] strong`, (element) => element.textContent)).toBe(memory.severity);
    await chromium.screenshot(page, '5-admin-metrics');
    const overflow = 'document.documentElement.scrollWidth - document.documentElement.clientWidth';
    expect(await page.evaluate(overflow)).toBe(0);

    // A user page has no admin panel.
    expect(await pageA.$eval('#admin', (section) => section.hasAttribute('hidden'))).toBe(true);

    await page.setViewport({ width: 390, height: 844 });
    await eventually(async () => expect(await page.evaluate(overflow)).toBe(0), 5_000);
    await chromium.screenshot(page, '6-phone-width');
  }, 45_000);

  it('logs out: back to the form, the stored refresh token gone and refused by the service', async () => {
    const refreshToken = (await pageB.evaluate('localStorage.getItem("realtime-console.refreshToken")')) as string;
    expect(refreshToken).toEqual(expect.any(String));
    // Logging out reloads the page (a clean slate for the next user).
    await Promise.all([pageB.waitForNavigation({ waitUntil: 'load' }), pageB.click(byTestId('logout'))]);
    await pageB.waitForSelector('#auth:not([hidden])');
    expect(await pageB.evaluate('localStorage.getItem("realtime-console.refreshToken")')).toBeNull();
    await eventually(async () => expect(await read(pageA, 'presence-list')).not.toContain(bob.user.username), 10_000);
    const refused = await t.http().post('/auth/refresh').send({ refreshToken }).expect(401);
    expect(refused.body).toMatchObject({ success: false, statusCode: 401 });
    expect(chromium.pageErrors).toEqual([]);
  });
});
