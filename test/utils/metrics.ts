import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { TestApp } from './create-test-app';

/** The value of one Prometheus series scraped from the app's /metrics (0 when the series does not exist yet). */
export async function metricValue(t: TestApp, name: string, labels: Record<string, string> = {}): Promise<number> {
  const families = parsePrometheusTextFormat((await t.http().get('/metrics').expect(200)).text);
  const family = families.find((candidate) => candidate.name === name);
  const sample = family?.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value));
  return sample?.value === undefined ? 0 : Number(sample.value);
}
