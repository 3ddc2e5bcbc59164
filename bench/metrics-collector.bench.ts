/**
 * Collector overhead: boots the real app (e2e database via MONGODB_URI, or the
 * embedded one), takes N samples back to back and reports the process CPU time
 * per sample (synchronous work and the database ping together), then what that
 * costs at the configured interval as a share of one core.
 *
 *   npx jest --selectProjects e2e --testMatch '<rootDir>/bench/metrics-collector.bench.ts'
 */
import { MetricsCollector } from '../src/modules/metrics/metrics-collector.service';
import { createTestApp } from '../test/utils/create-test-app';

const SAMPLES = 2000;
const INTERVAL_MS = 5000;

it('measures the collector overhead', async () => {
  // A long interval so the timer does not sample during the measurement.
  const t = await createTestApp({ METRICS_INTERVAL_MS: String(INTERVAL_MS * 100) });
  const collector = t.app.get(MetricsCollector);
  try {
    for (let i = 0; i < 50; i++) await collector.sample();
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < SAMPLES; i++) await collector.sample();
    const spent = process.cpuUsage(cpu);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const perSampleUs = (spent.user + spent.system) / SAMPLES;
    const overhead = collector.overhead();
    const lines = [
      `samples: ${SAMPLES}, wall ${wallMs.toFixed(0)} ms (${((wallMs * 1000) / SAMPLES).toFixed(0)} µs per sample, ping round trip included)`,
      `process CPU per sample (sync work + database ping): ${perSampleUs.toFixed(1)} µs`,
      `collector's own synchronous work per sample: ${overhead.cpu_us_per_sample} µs`,
      `at METRICS_INTERVAL_MS=${INTERVAL_MS}: ${((perSampleUs / (INTERVAL_MS * 1000)) * 100).toFixed(4)} % of one core`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    expect(perSampleUs / (INTERVAL_MS * 1000)).toBeLessThan(0.01);
  } finally {
    await t.close();
  }
}, 120000);
