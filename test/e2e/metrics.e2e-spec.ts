import { hostname } from 'node:os';
import parsePrometheusTextFormat, { PrometheusFamily } from 'parse-prometheus-text-format';
import { loginAs } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { closeAll, connectAs, emitWithAck, waitFor } from '../utils/sockets';
import { createChannel } from '../utils/voice';

const INTERVAL_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value, or fails after `ms`. */
async function eventually<T>(probe: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

/** Blocks this process's event loop (the app runs in it) for `ms`. */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy wait: this is the forced condition
  }
}

const num = expect.any(Number);
const numOrNull = (value: unknown) => value === null || typeof value === 'number';
/** Asymmetric matcher: a number, or null for a figure without data. */
const numberOrNull = { asymmetricMatch: numOrNull, toAsymmetricMatcher: () => 'number or null' };
/** The audio config's default latency_target_ms. */
const LATENCY_TARGET_MS = 50;

describe('metrics API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_INTERVAL_MS: String(INTERVAL_MS), METRICS_RETENTION_S: '10', ALERT_EVENT_LOOP_DELAY_MS: '150' });
  });
  afterAll(() => t.close());

  it('GET /api/metrics/current answers the seed shape with measured figures', async () => {
    const res = await t.http().get('/api/metrics/current').expect(200);
    expect(res.body).toEqual({
      success: true,
      data: {
        // No INSTANCE_ID: host name and pid.
        instance: `${hostname()}-${process.pid}`,
        timestamp: num,
        collected_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        audio_metrics: {
          // No voice traffic: counts are 0 and figures without data are null, never invented.
          active_channels: 0,
          active_users: 0,
          average_latency_ms: null,
          packet_loss_percentage: null,
          audio_quality_score: null,
          jitter_ms: null,
          active_streams: 0,
        },
        performance_metrics: {
          cpu_usage_percent: num,
          memory_usage_mb: num,
          thread_pool_utilization: num,
          heap_used_mb: num,
          event_loop_delay_ms: numberOrNull,
        },
        network_metrics: {
          packets_received_per_second: 0,
          packets_sent_per_second: 0,
          connection_count: 0,
          bytes_received_per_second: 0,
          bytes_sent_per_second: 0,
        },
        system_health: { overall_health_score: num, uptime_seconds: num, database_up: true },
      },
    });
    const { performance_metrics: perf, timestamp } = res.body.data;
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(perf.memory_usage_mb).toBeGreaterThan(10);
    expect(perf.cpu_usage_percent).toBeGreaterThanOrEqual(0);
    expect(perf.thread_pool_utilization).toBeGreaterThanOrEqual(0);
    expect(perf.thread_pool_utilization).toBeLessThanOrEqual(100);
    expect(numOrNull(perf.event_loop_delay_ms)).toBe(true);
  });

  it('history grows at the configured interval, bounded by limit and period', async () => {
    const first = (await t.http().get('/api/metrics/history?limit=1000').expect(200)).body.data;
    await sleep(INTERVAL_MS * 6);
    const res = await t.http().get('/api/metrics/history?limit=1000&period=60').expect(200);
    const data = res.body.data;
    expect(data).toMatchObject({ interval_ms: INTERVAL_MS, retention_seconds: 10, period_seconds: 10, count: data.samples.length });
    expect(data.count - first.count).toBeGreaterThanOrEqual(4);
    const times = data.samples.map((s: { collected_at: string }) => Date.parse(s.collected_at));
    const gaps = times.slice(1).map((time: number, i: number) => time - times[i]);
    // Timer jitter on a shared machine moves single gaps; the median sits on the interval.
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    expect(median).toBeGreaterThanOrEqual(INTERVAL_MS * 0.8);
    expect(median).toBeLessThanOrEqual(INTERVAL_MS * 1.6);
    expect(data.samples[0]).toEqual(expect.objectContaining({ audio_metrics: expect.any(Object), network_metrics: expect.any(Object) }));

    const limited = (await t.http().get('/api/metrics/history?limit=2').expect(200)).body.data;
    expect(limited.count).toBe(2);
    // The newest two, oldest first.
    expect(Date.parse(limited.samples[0].collected_at)).toBeLessThan(Date.parse(limited.samples[1].collected_at));
    expect(Date.parse(limited.samples[1].collected_at)).toBeGreaterThanOrEqual(times[times.length - 1]);
  });

  it('history ring holds at most METRICS_RETENTION_S of samples, however long the app runs', async () => {
    // 10 s at 100 ms is a ring of 100 samples; the app must live longer than that for the bound to show.
    const short = await createTestApp({ METRICS_INTERVAL_MS: '100', METRICS_RETENTION_S: '10' });
    try {
      const admin = await loginAs(short, { role: 'admin' });
      const history = async () => (await short.http().get('/api/metrics/history?limit=10000&period=100000').expect(200)).body.data;
      const first = await eventually(async () => {
        const data = await history();
        return data.count > 0 ? Date.parse(data.samples[0].collected_at) : undefined;
      });
      // Past the retention: the app's first sample is no longer served, more than 100 were taken.
      const aged = await eventually(async () => {
        const data = await history();
        return Date.parse(data.samples[0].collected_at) > first + 1000 ? data : undefined;
      }, 30_000);
      expect(aged.period_seconds).toBe(10);
      expect(Date.parse(aged.samples[aged.count - 1].collected_at) - Date.parse(aged.samples[0].collected_at)).toBeLessThanOrEqual(10_000);
      // What the ring holds (reset reports it) is bounded, though more than 100 samples were taken.
      const reset = await short.http().post('/api/advanced/admin/reset').set(admin.headers).send({ confirm: 'RESET' }).expect(200);
      expect(reset.body.data.counts.metrics_samples).toBeGreaterThanOrEqual(90);
      expect(reset.body.data.counts.metrics_samples).toBeLessThanOrEqual(100);
    } finally {
      await short.clearDatabase();
      await short.close();
    }
  }, 60_000);

  it('GET /api/metrics/health scores each component and overall', async () => {
    // The network score needs HTTP answers inside a sampling interval: wait for a sample that saw some.
    const res = await eventually(async () => {
      await t.http().get('/api/metrics/summary').expect(200);
      const health = await t.http().get('/api/metrics/health').expect(200);
      return health.body.data.components.network?.score !== null && health.body.data.components.network !== undefined ? health : undefined;
    });
    const data = res.body.data;
    expect(res.body.success).toBe(true);
    expect(data).toEqual({
      timestamp: num,
      overall_health_score: num,
      status: expect.stringMatching(/^(healthy|degraded|unhealthy)$/),
      uptime_seconds: num,
      active_alerts: num,
      components: {
        performance: {
          score: num,
          status: expect.any(String),
          metrics: expect.any(Object),
          thresholds: { cpu_usage_percent: 90, event_loop_delay_p99_ms: 150 },
        },
        memory: { score: num, status: expect.any(String), metrics: expect.any(Object), thresholds: { memory_rss_mb: 1024 } },
        audio: {
          score: null,
          status: null,
          metrics: { average_latency_ms: null, packet_loss_rate: null, audio_quality_score: null },
          thresholds: { average_latency_ms: LATENCY_TARGET_MS, packet_loss_rate: 0.05 },
        },
        network: {
          score: expect.any(Number),
          status: expect.any(String),
          metrics: { http_error_rate: expect.any(Number), socket_latency_ms: null, connection_count: 0 },
          thresholds: { http_error_rate: 0.05, socket_latency_ms: LATENCY_TARGET_MS },
        },
        database: { score: 1, status: 'healthy', metrics: { reachable: true }, thresholds: {} },
      },
    });
    // This suite's requests all succeed: no server errors, full network score.
    expect(data.components.network).toMatchObject({ score: 1, status: 'healthy', metrics: { http_error_rate: 0 } });
    const scores = [data.components.performance.score, data.components.memory.score, 1, 1];
    expect(data.overall_health_score).toBeCloseTo(Math.min(...scores), 2);
  });

  it('GET /api/metrics/summary is flat', async () => {
    const res = await t.http().get('/api/metrics/summary').expect(200);
    expect(Object.keys(res.body.data).sort()).toEqual(
      [
        'instance',
        'timestamp',
        'uptime_seconds',
        'overall_health_score',
        'cpu_usage_percent',
        'memory_usage_mb',
        'event_loop_delay_ms',
        'connection_count',
        'connected_users',
        'active_channels',
        'active_users',
        'packets_received_per_second',
        'packets_sent_per_second',
        'average_latency_ms',
        'packet_loss_percentage',
        'audio_quality_score',
        'database_up',
        'active_alerts',
      ].sort(),
    );
    for (const value of Object.values(res.body.data)) expect(typeof value === 'object' && value !== null).toBe(false);
  });

  it('GET /api/metrics/component/:component serves audio, performance and network, 404 otherwise', async () => {
    for (const component of ['audio', 'performance', 'network']) {
      const res = await t.http().get(`/api/metrics/component/${component}`).expect(200);
      expect(res.body).toEqual({ success: true, data: { component, timestamp: num, metrics: expect.any(Object) } });
    }
    const perf = (await t.http().get('/api/metrics/component/performance').expect(200)).body.data.metrics;
    expect(perf.collector_overhead.cpu_us_per_sample).toBeGreaterThan(0);
    expect(perf.collector_overhead.percent_of_one_core).toBeLessThan(1);

    const res = await t.http().get('/api/metrics/component/disk').expect(404);
    expect(res.body).toMatchObject({ success: false, statusCode: 404, error_code: 'NOT_FOUND' });
  });

  it('refuses bad query values with 400 INVALID_INPUT', async () => {
    for (const query of [
      'history?limit=abc',
      'history?limit=0',
      'history?period=-5',
      'history?foo=1',
      'alerts?severity=fatal',
      'alerts?component=disk',
      'alerts?limit=99999',
      'alerts?active=maybe',
      'history?limit[$gt]=1',
    ]) {
      const res = await t.http().get(`/api/metrics/${query}`).expect(400);
      expect(res.body).toMatchObject({ success: false, error_code: 'INVALID_INPUT' });
    }
  });

  it('a forced condition raises an alert that resolves once it stops holding', async () => {
    // Let a clean sample settle, then stall the event loop well past the 150 ms threshold.
    await sleep(INTERVAL_MS * 2);
    blockEventLoop(500);
    const raised = await eventually(async () => {
      const res = await t.http().get('/api/metrics/alerts?component=performance').expect(200);
      return res.body.data.find((a: { rule: string }) => a.rule === 'event_loop_delay');
    });
    // On a loaded machine the next sample may already have resolved it: its state is checked below.
    const { active: _active, resolved_at: _resolvedAt, ...alert } = raised;
    expect(alert).toEqual({
      id: expect.any(String),
      rule: 'event_loop_delay',
      component: 'performance',
      severity: expect.stringMatching(/^(warning|error)$/),
      message: expect.stringMatching(/^Event-loop delay p99 [\d.]+ ms above 150 ms$/),
      value: expect.any(Number),
      threshold: 150,
      raised_at: expect.any(String),
    });
    expect(raised.value).toBeGreaterThan(150);

    const resolved = await eventually(async () => {
      const res = await t.http().get('/api/metrics/alerts?active=false').expect(200);
      return res.body.data.find((a: { id: string }) => a.id === raised.id);
    });
    expect(resolved).toMatchObject({ active: false, raised_at: raised.raised_at });
    expect(Date.parse(resolved.resolved_at)).toBeGreaterThan(Date.parse(raised.raised_at));
    const active = (await t.http().get('/api/metrics/alerts?active=true').expect(200)).body.data;
    // (A loaded machine may raise a new delay alert meanwhile: this one, though, is resolved.)
    expect(active.find((a: { id: string }) => a.id === raised.id)).toBeUndefined();

    // Filters: warning is a minimum level; critical excludes it.
    expect((await t.http().get('/api/metrics/alerts?severity=warning').expect(200)).body.data.map((a: { id: string }) => a.id)).toContain(raised.id);
    // (The stalled loop may also have timed out a database ping: a critical alert of its own, not this one.)
    expect((await t.http().get('/api/metrics/alerts?severity=critical').expect(200)).body.data.map((a: { id: string }) => a.id)).not.toContain(raised.id);
    expect((await t.http().get('/api/metrics/alerts?component=audio').expect(200)).body.data).toEqual([]);
  });
});

function family(families: PrometheusFamily[], name: string): PrometheusFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`metric ${name} missing`);
  return found;
}

function counter(families: PrometheusFamily[], name: string, labels: Record<string, string> = {}): number {
  const sample = family(families, name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return sample ? Number(sample.value) : 0;
}

describe('GET /metrics (Prometheus)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const scrape = async () => parsePrometheusTextFormat((await t.http().get('/metrics').expect(200)).text);

  it('serves parseable Prometheus text with default process metrics', async () => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const families = parsePrometheusTextFormat(res.text);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(family(families, name)).toBeDefined();
    }
    expect(family(families, 'realtime_http_request_duration_seconds').type).toBe('HISTOGRAM');
    expect(family(families, 'realtime_audio_relay_latency_seconds').type).toBe('HISTOGRAM');
  });

  it('HTTP counters and the duration histogram move with traffic, by route pattern and status', async () => {
    const labels = { method: 'GET', route: '/api/metrics/component/:component', status: '200' };
    const before = counter(await scrape(), 'realtime_http_requests_total', labels);
    const missingBefore = counter(await scrape(), 'realtime_http_requests_total', { method: 'GET', route: '/api/metrics/component/:component', status: '404' });
    const unmatchedBefore = counter(await scrape(), 'realtime_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' });
    await t.http().get('/api/metrics/component/audio').expect(200);
    await t.http().get('/api/metrics/component/network').expect(200);
    await t.http().get('/api/metrics/component/nope').expect(404);
    await t.http().get('/no/such/route/12345').expect(404);

    const after = await scrape();
    expect(counter(after, 'realtime_http_requests_total', labels)).toBe(before + 2);
    expect(counter(after, 'realtime_http_requests_total', { ...labels, status: '404' })).toBe(missingBefore + 1);
    expect(counter(after, 'realtime_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(unmatchedBefore + 1);
    // URLs never become labels.
    expect(family(after, 'realtime_http_requests_total').metrics.some((m) => m.labels?.route?.includes('12345'))).toBe(false);
    // The parser folds labelled histograms into one sample, so the histogram's count is read from its text line.
    const text = (await t.http().get('/metrics').expect(200)).text;
    const countLine = text
      .split('\n')
      .find((line) => line.startsWith('realtime_http_request_duration_seconds_count{method="GET",route="/api/metrics/component/:component",status="200"}'));
    expect(Number(countLine?.split(' ').pop())).toBe(before + 2);
  });

  it('socket and audio counters move with real connections and audio, with bounded labels', async () => {
    const [alice, bob, carol] = [await loginAs(t), await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers);
    const before = await scrape();
    const [a, b, c] = [
      await connectAs(t.url, alice.accessToken, '/voice'),
      await connectAs(t.url, bob.accessToken, '/voice'),
      await connectAs(t.url, carol.accessToken, '/voice'),
    ];
    const root = await connectAs(t.url, alice.accessToken);
    try {
      for (const socket of [a, b, c]) expect(await emitWithAck(socket, 'JoinChannel', { channel_id: channel.id })).toMatchObject({ ok: true });
      const heard = [waitFor(b, 'AudioData'), waitFor(c, 'AudioData')];
      a.emit('AudioData', { channel_id: channel.id, data: Buffer.alloc(200, 7), seq: 0 });
      await Promise.all(heard);
      c.close();
      // Hostile clients cannot mint event labels: names without a handler are never counted by name.
      // (20: under the per-connection budget for control events, so the next event is still served.)
      for (let i = 0; i < 20; i++) root.emit(`junk-${i}`, {});
      expect(await emitWithAck(root, 'register', alice.user.id)).toMatchObject({ ok: true });

      const after = await eventually(async () => {
        const scraped = await scrape();
        const open = counter(scraped, 'realtime_sockets_open', { namespace: '/voice' }) - counter(before, 'realtime_sockets_open', { namespace: '/voice' });
        return open === 2 ? scraped : undefined;
      });
      const delta = (name: string, labels: Record<string, string>) => counter(after, name, labels) - counter(before, name, labels);
      expect(delta('realtime_socket_connections_total', { namespace: '/voice' })).toBe(3);
      expect(delta('realtime_socket_events_total', { namespace: '/voice', event: 'AudioData' })).toBe(1);
      expect(delta('realtime_socket_events_total', { namespace: '/voice', event: 'JoinChannel' })).toBe(3);
      expect(delta('realtime_audio_packets_total', { direction: 'in' })).toBe(1);
      expect(delta('realtime_audio_packets_total', { direction: 'out' })).toBe(2);
      expect(delta('realtime_audio_bytes_total', { direction: 'out' })).toBe(400);
      expect(delta('realtime_socket_events_total', { namespace: '/', event: 'register' })).toBe(1);
      expect(family(after, 'realtime_socket_events_total').metrics.some((m) => m.labels?.event?.startsWith('junk-'))).toBe(false);
    } finally {
      closeAll(a, b, c, root);
    }
  });
});

describe('auth and rate-limit counters', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ AUTH_THROTTLE_LIMIT: '3' });
  });
  afterAll(() => t.close());

  it('count logins by result and throttler refusals from real traffic', async () => {
    const before = parsePrometheusTextFormat((await t.http().get('/metrics').expect(200)).text);
    const { user, password } = await loginAs(t);
    await t
      .http()
      .post('/auth/login')
      .send({ username: user.username, password: `${password}x` })
      .expect(403);
    // Spend the rest of the credential-route budget (3) until the throttler refuses once.
    let succeeded = 1;
    for (let i = 0; i < 5; i++) {
      const res = await t.http().post('/auth/login').send({ username: user.username, password });
      if (res.status === 429) break;
      expect(res.status).toBe(200);
      succeeded++;
    }

    const after = parsePrometheusTextFormat((await t.http().get('/metrics').expect(200)).text);
    const logins = (result: string) => counter(after, 'realtime_auth_logins_total', { result }) - counter(before, 'realtime_auth_logins_total', { result });
    expect(logins('success')).toBe(succeeded);
    expect(logins('bad_credentials')).toBe(1);
    const refused = family(after, 'realtime_rate_limit_refusals_total').metrics.reduce((sum, m) => sum + Number(m.value), 0);
    expect(refused).toBe(1);
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef';
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN: token });
  });
  afterAll(() => t.close());

  it('requires Authorization: Bearer <METRICS_TOKEN>', async () => {
    const missing = await t.http().get('/metrics').expect(401);
    expect(missing.body).toMatchObject({ success: false, error_code: 'UNAUTHORIZED' });
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    await t.http().get('/metrics').set('Authorization', `Bearer ${token}x`).expect(401);
    await t.http().get('/metrics').set('Authorization', token).expect(401);
    const ok = await t.http().get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    expect(parsePrometheusTextFormat(ok.text).length).toBeGreaterThan(10);
  });
});

describe('GET /api/metrics/current is live', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No timer tick during the test: only the first read takes a stored sample.
    t = await createTestApp({ METRICS_INTERVAL_MS: '600000' });
  });
  afterAll(async () => {
    await t.clearDatabase();
    await t.close();
  });

  it('counts a socket opened a moment ago, and forgets it once closed', async () => {
    const current = async () => (await t.http().get('/api/metrics/current').expect(200)).body.data;
    const first = await current();
    expect(first.network_metrics.connection_count).toBe(0);
    const alice = await loginAs(t);
    const [root, voiceSocket] = [await connectAs(t.url, alice.accessToken), await connectAs(t.url, alice.accessToken, '/voice')];
    try {
      const now = await current();
      expect(now.network_metrics.connection_count).toBe(2);
      expect(now.timestamp).toBeGreaterThanOrEqual(first.timestamp);
      expect(Math.abs(now.system_health.uptime_seconds - process.uptime())).toBeLessThan(2);
    } finally {
      closeAll(root, voiceSocket);
    }
    await eventually(async () => ((await current()).network_metrics.connection_count === 0 ? true : undefined));
  });
});

describe('process CPU: one sampler behind every route', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No timer tick during the test: the on-demand sample of the first read closes the only CPU window.
    t = await createTestApp({ METRICS_INTERVAL_MS: '600000' });
  });
  afterAll(() => t.close());

  it('metrics, server statistics and channel statistics report the same measured figure', async () => {
    const { headers } = await loginAs(t);
    const channel = await createChannel(t, headers);
    // Busy CPU inside the window, so agreement cannot come from every route reporting 0.
    blockEventLoop(100);
    const current = (await t.http().get('/api/metrics/current').expect(200)).body.data.performance_metrics.cpu_usage_percent;
    expect(current).toBeGreaterThan(0);
    const server = (await t.http().get('/api/advanced/statistics/server').set(headers).expect(200)).body.system_stats.cpu_usage_percent;
    const perChannel = (await t.http().get(`/api/advanced/channels/${channel.id}/statistics`).set(headers).expect(200)).body.performance_stats
      .cpu_usage_percent;
    expect({ server, perChannel }).toEqual({ server: current, perChannel: current });
  });
});
