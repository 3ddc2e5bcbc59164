import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat, { PrometheusFamily } from 'parse-prometheus-text-format';
import { parse } from 'yaml';
import { InstanceIdentity } from '../../src/common/redis/instance-identity';
import { loginAs } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { closeAll, collect, connectAs, connectRecording, emitWithAck, waitFor } from '../utils/sockets';
import { createChannel } from '../utils/voice';

const ROOT = join(__dirname, '..', '..');
const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n' };
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Metric names a PromQL expression uses: the application's, prom-client's process_/nodejs_ ones and `up`. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:realtime|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]);
}

/** `x_bucket`, `x_count`, `x_sum` are series of the histogram family `x`. */
const familyOf = (series: string, exported: Set<string>) => (exported.has(series) ? series : series.replace(/_(bucket|count|sum)$/, ''));

describe('observability: names, gauges and the deploy files that use them', () => {
  let t: TestApp;
  const scrape = async (): Promise<PrometheusFamily[]> => parsePrometheusTextFormat((await t.http().get('/metrics').expect(200)).text);
  const value = (families: PrometheusFamily[], name: string) => families.find((f) => f.name === name)?.metrics[0]?.value;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_INTERVAL_MS: '200' });
    // The gauges count whole collections: what earlier suites of this worker left must not show.
    await t.clearDatabase();
  });
  afterAll(() => t.close());

  it('prefixes the application metrics and never gives a gauge the family name of a counter', async () => {
    const families = await scrape();
    const names = new Set(families.map((f) => f.name));
    for (const family of families) {
      expect([family.name, /^(realtime|process|nodejs)_/.test(family.name)]).toEqual([family.name, true]);
      // OpenMetrics names a counter family without `_total`: `x_total` and a gauge `x` would be one family.
      if (family.type === 'COUNTER') expect([family.name, names.has(family.name.replace(/_total$/, ''))]).toEqual([family.name, false]);
    }
  });

  it('names this instance and reads presence, channels and the database at scrape time', async () => {
    const before = await scrape();
    const info = before.find((f) => f.name === 'realtime_instance_info')!;
    expect(info.metrics).toEqual([{ labels: { instance: t.app.get(InstanceIdentity).id }, value: '1' }]);
    expect(value(before, 'realtime_connected_users')).toBe('0');
    // No audio yet: the audio figures are NaN (no value), not a made-up 0.
    expect(value(before, 'realtime_audio_jitter_seconds')).toMatch(/^nan$/i);
    expect(value(before, 'realtime_audio_quality_score')).toMatch(/^nan$/i);
    expect(value(before, 'realtime_audio_latency_target_seconds')).toBe('0.05');

    const alice = await loginAs(t);
    const socket = await connectAs(t.url, alice.accessToken);
    try {
      await t.http().post('/api/channels').set(alice.headers).send({ name: 'General' }).expect(201);
      await eventually(async () => {
        const after = await scrape();
        expect([value(after, 'realtime_connected_users'), value(after, 'realtime_channels')]).toEqual(['1', '1']);
      }, 5000);
      await eventually(async () => expect(value(await scrape(), 'realtime_database_up')).toBe('1'), 5000);
    } finally {
      closeAll(socket);
    }
  });

  it('counts a call from ringing to its end in realtime_calls_active', async () => {
    const online = async (token: string) => {
      const client = await connectRecording(t.url, token, '/', { record: ['users'] });
      await client.first('users');
      return client.socket;
    };
    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const [a, b] = [await online(alice.accessToken), await online(bob.accessToken)];
    try {
      expect(value(await scrape(), 'realtime_calls_active')).toBe('0');
      const ringing = waitFor(b, 'incomingCall');
      expect(await emitWithAck(a, 'callUser', { targetUserId: bob.user.id, signalData: OFFER })).toEqual({ ok: true, status: 'ringing' });
      await ringing;
      expect(value(await scrape(), 'realtime_calls_active')).toBe('1');
      const ended = waitFor(b, 'callEnded');
      expect(await emitWithAck(a, 'endCall', { targetUserId: bob.user.id })).toEqual({ ok: true });
      await ended;
      expect(value(await scrape(), 'realtime_calls_active')).toBe('0');
    } finally {
      closeAll(a, b);
    }
  });

  it('reads audio loss, jitter and quality per channel type from the audio sent in the channels', async () => {
    const perType = (families: PrometheusFamily[], name: string) =>
      Object.fromEntries((families.find((f) => f.name === name)?.metrics ?? []).map((m) => [m.labels?.channel_type, m.value]));
    const names = ['realtime_channel_audio_packet_loss_ratio', 'realtime_channel_audio_jitter_seconds', 'realtime_channel_audio_quality_score'];
    const before = await scrape();
    for (const name of names)
      expect([name, perType(before, name)]).toEqual([name, { voice: expect.stringMatching(/^nan$/i), text: expect.stringMatching(/^nan$/i) }]);

    const [alice, bob] = [await loginAs(t), await loginAs(t)];
    const channel = await createChannel(t, alice.headers, { name: 'Voice room', channel_type: 'voice' });
    await createChannel(t, alice.headers, { name: 'Text room', channel_type: 'text' });
    const [a, b] = [await connectAs(t.url, alice.accessToken, '/voice'), await connectAs(t.url, bob.accessToken, '/voice')];
    try {
      for (const socket of [a, b]) expect(await emitWithAck(socket, 'JoinChannel', { channel_id: channel.id })).toMatchObject({ ok: true });
      const heard = collect(b, 'AudioData', 5);
      for (let seq = 0; seq < 5; seq++) a.emit('AudioData', { channel_id: channel.id, data: Buffer.alloc(160, seq), seq, timestamp: 1000 + seq * 20 });
      await heard;

      const after = await scrape();
      expect(perType(after, 'realtime_channel_audio_packet_loss_ratio')).toEqual({ voice: '0', text: expect.stringMatching(/^nan$/i) });
      const jitter = perType(after, 'realtime_channel_audio_jitter_seconds');
      const quality = perType(after, 'realtime_channel_audio_quality_score');
      expect([Number(jitter.voice) >= 0, Number(quality.voice) > 0 && Number(quality.voice) <= 1]).toEqual([true, true]);
      expect([jitter.text, quality.text]).toEqual([expect.stringMatching(/^nan$/i), expect.stringMatching(/^nan$/i)]);
    } finally {
      closeAll(a, b);
    }
  });

  it('has alert rules and a dashboard that only query metrics the service exports', async () => {
    const exported = new Set((await scrape()).map((f) => f.name));
    const rules = (parse(read('deploy/prometheus/alerts.yml')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    const dashboard = JSON.parse(read('deploy/grafana/realtime-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exprs = [...rules.map((r) => r.expr), ...dashboard.panels.flatMap((p) => p.targets.map((target) => target.expr))];
    const used = new Set(exprs.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !exported.has(familyOf(name, exported)))).toEqual([]);

    // Every built-in alert rule has a Prometheus counterpart.
    const builtIn = ['cpu_usage', 'event_loop_delay', 'memory_rss', 'packet_loss', 'audio_latency', 'database_unreachable'];
    const alertNames = new Set(rules.map((r) => r.alert));
    const expected = [
      'RealtimeCpuUsage',
      'RealtimeEventLoopDelay',
      'RealtimeMemoryRss',
      'RealtimePacketLoss',
      'RealtimeAudioLatency',
      'RealtimeDatabaseUnreachable',
    ];
    expect(expected.filter((name) => !alertNames.has(name))).toEqual([]);
    expect(builtIn).toHaveLength(expected.length);

    // The panels an operator asked for are there.
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const word of [
      'connections',
      'messages',
      'audio packets',
      'loss',
      'jitter',
      'quality',
      'relay latency',
      'http',
      'event-loop',
      'memory',
      'rate-limit',
      'active calls',
      'loss by channel type',
      'jitter by channel type',
      'quality by channel type',
    ]) {
      expect([word, titles.includes(word)]).toEqual([word, true]);
    }

    // Prometheus scrapes each instance, not the load balancer.
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as { scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[] };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs ?? []).flatMap((s) => s.targets);
    const compose = parse(read('docker-compose.yml')) as { services: Record<string, unknown> };
    for (const target of targets) expect(Object.keys(compose.services)).toContain(target.split(':')[0]);
    expect(targets.some((target) => target.startsWith('lb'))).toBe(false);
  });
});
