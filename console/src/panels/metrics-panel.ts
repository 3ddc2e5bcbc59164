import uPlot from 'uplot';
import { Api, describeError } from '../api';
import { byId, byTestId, h, showError } from '../dom';
import type { Alert, MetricsHistory, MetricsSnapshot } from '../types';

/** Samples shown: ten minutes at the default 5 s interval. */
const HISTORY_LIMIT = 120;
const MIN_REFRESH_MS = 1000;
const MAX_REFRESH_MS = 60_000;

interface ChartSpec {
  title: string;
  series: { label: string; stroke: string; value: (s: MetricsSnapshot) => number | null }[];
}

const CHARTS: ChartSpec[] = [
  {
    title: 'CPU and event loop',
    series: [
      { label: 'CPU %', stroke: '#1f6feb', value: (s) => s.performance_metrics.cpu_usage_percent },
      { label: 'event-loop delay ms', stroke: '#d4a72c', value: (s) => s.performance_metrics.event_loop_delay_ms },
    ],
  },
  { title: 'Memory', series: [{ label: 'RSS MB', stroke: '#8250df', value: (s) => s.performance_metrics.memory_usage_mb }] },
  {
    title: 'Traffic',
    series: [
      { label: 'connections', stroke: '#1a7f37', value: (s) => s.network_metrics.connection_count },
      { label: 'packets in/s', stroke: '#cf222e', value: (s) => s.network_metrics.packets_received_per_second },
      { label: 'packets out/s', stroke: '#bf8700', value: (s) => s.network_metrics.packets_sent_per_second },
    ],
  },
];

/** For admins: live charts of /api/metrics/history and the active alerts, refreshed every sampling interval. */
export function mountMetricsPanel(api: Api): () => void {
  const container = byId('metrics-chart');
  const alerts = byId<HTMLUListElement>('alerts-list');
  const updated = byId('metrics-updated');
  const error = byTestId(byId('admin'), 'metrics-error');
  const holders = CHARTS.map((spec) => container.appendChild(h('figure', { 'aria-label': spec.title })));
  const width = (holder: HTMLElement) => Math.max(240, holder.clientWidth || 600);

  const plots = CHARTS.map((spec, i) => {
    const holder = holders[i];
    return new uPlot(
      {
        title: spec.title,
        width: width(holder),
        height: 200,
        series: [{}, ...spec.series.map(({ label, stroke }) => ({ label, stroke, width: 2, spanGaps: false }))],
        axes: [{}, { size: 50 }],
      },
      [[], ...spec.series.map(() => [])],
      holder,
    );
  });
  const resize = new ResizeObserver(() => plots.forEach((plot, i) => plot.setSize({ width: width(holders[i]), height: 200 })));
  resize.observe(container);

  let timer: number | undefined;
  let stopped = false;
  const refresh = async () => {
    let interval = 5000;
    try {
      const [{ data: history }, { data: active }] = await Promise.all([
        api.get<{ data: MetricsHistory }>(`/api/metrics/history?limit=${HISTORY_LIMIT}`),
        api.get<{ data: Alert[] }>('/api/metrics/alerts?active=true&limit=50'),
      ]);
      interval = history.interval_ms;
      const samples = [...history.samples].sort((a, b) => a.timestamp - b.timestamp);
      const xs = samples.map((s) => s.timestamp);
      CHARTS.forEach((spec, i) => plots[i].setData([xs, ...spec.series.map(({ value }) => samples.map(value))] as uPlot.AlignedData));
      container.dataset.points = String(samples.length);
      updated.textContent = `${samples.length} samples, one every ${(interval / 1000).toFixed(1)} s; updated ${new Date().toLocaleTimeString()}`;
      renderAlerts(alerts, active);
      showError(error, null);
    } catch (failure) {
      showError(error, describeError(failure));
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, interval)));
  };
  void refresh();

  return () => {
    stopped = true;
    window.clearTimeout(timer);
    resize.disconnect();
    plots.forEach((plot) => plot.destroy());
    container.replaceChildren();
  };
}

function renderAlerts(list: HTMLUListElement, alerts: Alert[]): void {
  list.replaceChildren(
    ...alerts.map((alert) =>
      h(
        'li',
        { class: `alert-${alert.severity}`, 'data-alert-rule': alert.rule },
        h('strong', {}, alert.severity),
        h('span', { class: 'name' }, alert.message),
        h('time', { datetime: alert.raised_at }, `since ${new Date(alert.raised_at).toLocaleTimeString()}`),
      ),
    ),
  );
  if (alerts.length === 0) list.append(h('li', { class: 'hint' }, 'No active alerts.'));
}
