import { Injectable } from '@nestjs/common';
import type { EventClass } from '../../common/websocket/socket-limits';
import type { SocketDropReason, SocketMetrics } from '../../common/websocket/socket-metrics';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Label values a client can influence are capped (the overflow label included) so a hostile client cannot blow up the series count. */
const MAX_NAMESPACES = 16;
const MAX_EVENTS_PER_NAMESPACE = 64;
const MAX_THROTTLED_PATHS = 64;
const OVERFLOW_LABEL = '_other';

/**
 * The application's metric names start with this; prom-client's process_* and nodejs_* defaults keep their standard
 * names so stock dashboards work. Gauges and counters never share a family name (OpenMetrics drops `_total`).
 */
export const METRIC_PREFIX = 'realtime_';

/** Monotonic totals kept as plain numbers: the collector turns their deltas into per-second rates. */
export interface RecorderTotals {
  /** Sockets open now, every namespace and transport together. */
  openSockets: number;
  socketEvents: number;
  audioPacketsIn: number;
  audioPacketsOut: number;
  audioBytesIn: number;
  audioBytesOut: number;
  httpRequests: number;
  /** Answers with a 5xx status: the share of them is the network health figure. */
  httpServerErrors: number;
}

/**
 * The one place realtime, voice, auth and HTTP traffic report to. Every method
 * is synchronous and cheap (hot path: one Map lookup and a few additions), the
 * prom-client children are cached per label set so no label object is built
 * per call. The registry belongs to this app instance, not prom-client's
 * global one, so several apps in one process (the e2e tests) do not collide.
 */
@Injectable()
export class MetricsRecorder implements SocketMetrics {
  readonly registry = new Registry();
  readonly totals: RecorderTotals = {
    openSockets: 0,
    socketEvents: 0,
    audioPacketsIn: 0,
    audioPacketsOut: 0,
    audioBytesIn: 0,
    audioBytesOut: 0,
    httpRequests: 0,
    httpServerErrors: 0,
  };

  private readonly httpRequestsTotal = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly socketConnections = new Gauge({
    name: `${METRIC_PREFIX}sockets_open`,
    help: 'Socket connections open now, by namespace',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });
  private readonly socketConnectionsTotal = new Counter({
    name: `${METRIC_PREFIX}socket_connections_total`,
    help: 'Socket connections accepted by namespace',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });
  private readonly socketEvents = new Counter({
    name: `${METRIC_PREFIX}socket_events_total`,
    help: 'Client socket events received by namespace and event name',
    labelNames: ['namespace', 'event'] as const,
    registers: [this.registry],
  });
  private readonly audioPackets = new Counter({
    name: `${METRIC_PREFIX}audio_packets_total`,
    help: 'Audio packets: received from senders (in) and delivered to recipients (out)',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  private readonly audioBytes = new Counter({
    name: `${METRIC_PREFIX}audio_bytes_total`,
    help: 'Audio payload bytes: received from senders (in) and delivered to recipients (out)',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  private readonly relayLatency = new Histogram({
    name: `${METRIC_PREFIX}audio_relay_latency_seconds`,
    help: 'Server-side time to relay one audio packet to its recipients',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
    registers: [this.registry],
  });
  private readonly authLogins = new Counter({
    name: `${METRIC_PREFIX}auth_logins_total`,
    help: 'Login attempts by result (success, bad_credentials, locked, inactive)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: `${METRIC_PREFIX}rate_limit_refusals_total`,
    help: 'Requests refused by the rate limiter, by path',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });

  private readonly eventsRefused = new Counter({
    name: `${METRIC_PREFIX}socket_events_rate_limited_total`,
    help: 'Inbound socket events refused by the per-connection rate limit, by namespace and event class',
    labelNames: ['namespace', 'class'] as const,
    registers: [this.registry],
  });
  private readonly socketsDropped = new Counter({
    name: `${METRIC_PREFIX}socket_disconnects_total`,
    help: 'Connections closed by the server: rate_limit (persistent offender) or slow_consumer (outgoing buffer stayed over its cap)',
    labelNames: ['namespace', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly handshakesRefused = new Counter({
    name: `${METRIC_PREFIX}socket_handshakes_refused_total`,
    help: 'New Socket.IO or /ws handshakes refused by the per-IP limit',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
  private readonly outboundDrops = new Counter({
    name: `${METRIC_PREFIX}socket_outbound_dropped_total`,
    help: 'Outgoing messages (audio) not sent because the recipient buffer was over its cap',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });
  private readonly audioDropped = new Counter({
    name: `${METRIC_PREFIX}audio_packets_dropped_total`,
    help: 'Audio deliveries dropped because the recipient buffer was over its cap (counted as loss)',
    registers: [this.registry],
  });

  private readonly connectionChildren = new Map<string, { gauge: Gauge.Internal<'namespace'>; total: Counter.Internal }>();
  private readonly eventChildren = new Map<string, Map<string, Counter.Internal>>();
  private readonly throttledChildren = new Map<string, Counter.Internal>();
  private readonly audioIn = this.audioPackets.labels('in');
  private readonly audioOut = this.audioPackets.labels('out');
  private readonly audioBytesIn = this.audioBytes.labels('in');
  private readonly audioBytesOut = this.audioBytes.labels('out');

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  socketOpened(namespace: string): void {
    this.totals.openSockets++;
    const child = this.connectionChild(namespace);
    child.gauge.inc();
    child.total.inc();
  }

  socketClosed(namespace: string): void {
    this.totals.openSockets--;
    this.connectionChild(namespace).gauge.dec();
  }

  socketEvent(namespace: string, event: string): void {
    this.totals.socketEvents++;
    let events = this.eventChildren.get(namespace);
    if (!events) {
      const ns = this.eventChildren.size < MAX_NAMESPACES - 1 ? namespace : OVERFLOW_LABEL;
      events = this.eventChildren.get(ns) ?? new Map();
      this.eventChildren.set(ns, events);
      namespace = ns;
    }
    let child = events.get(event);
    if (!child) {
      const name = events.size < MAX_EVENTS_PER_NAMESPACE - 1 ? event : OVERFLOW_LABEL;
      child = events.get(name) ?? this.socketEvents.labels(namespace, name);
      events.set(name, child);
    }
    child.inc();
  }

  eventRefused(namespace: string, eventClass: EventClass): void {
    this.eventsRefused.labels(this.namespaceLabel(namespace), eventClass).inc();
  }

  socketDropped(namespace: string, reason: SocketDropReason): void {
    this.socketsDropped.labels(this.namespaceLabel(namespace), reason).inc();
  }

  handshakeRefused(endpoint: string): void {
    this.handshakesRefused.labels(endpoint).inc();
  }

  outboundDropped(namespace: string): void {
    this.outboundDrops.labels(this.namespaceLabel(namespace)).inc();
  }

  /**
   * One inbound audio packet of `bytes` delivered to `recipients` sockets in
   * `relayMicros` µs; `dropped` more recipients were skipped, their buffers over the cap.
   */
  audioPacketRelayed(bytes: number, recipients: number, relayMicros: number, dropped = 0): void {
    if (dropped > 0) this.audioDropped.inc(dropped);
    const totals = this.totals;
    totals.audioPacketsIn++;
    totals.audioPacketsOut += recipients;
    totals.audioBytesIn += bytes;
    totals.audioBytesOut += bytes * recipients;
    this.audioIn.inc();
    this.audioBytesIn.inc(bytes);
    if (recipients > 0) {
      this.audioOut.inc(recipients);
      this.audioBytesOut.inc(bytes * recipients);
    }
    this.relayLatency.observe(relayMicros / 1e6);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.totals.httpRequests++;
    if (status >= 500) this.totals.httpServerErrors++;
    const statusLabel = String(status);
    this.httpRequestsTotal.labels(method, route, statusLabel).inc();
    this.httpDuration.labels(method, route, statusLabel).observe(seconds);
  }

  loginSucceeded(): void {
    this.authLogins.labels('success').inc();
  }

  loginFailed(reason: string): void {
    this.authLogins.labels(reason).inc();
  }

  throttleRefused(path: string): void {
    let child = this.throttledChildren.get(path);
    if (!child) {
      const label = this.throttledChildren.size < MAX_THROTTLED_PATHS - 1 ? path : OVERFLOW_LABEL;
      child = this.throttledChildren.get(label) ?? this.rateLimited.labels(label);
      this.throttledChildren.set(label, child);
    }
    child.inc();
  }

  /** Namespaces are the server's own (/, /voice, /ws), but a label is still only made for one that has connections. */
  private namespaceLabel(namespace: string): string {
    return this.connectionChildren.has(namespace) ? namespace : OVERFLOW_LABEL;
  }

  private connectionChild(namespace: string) {
    let child = this.connectionChildren.get(namespace);
    if (!child) {
      const label = this.connectionChildren.size < MAX_NAMESPACES - 1 ? namespace : OVERFLOW_LABEL;
      child = this.connectionChildren.get(label) ?? {
        gauge: this.socketConnections.labels(label),
        total: this.socketConnectionsTotal.labels(label),
      };
      this.connectionChildren.set(label, child);
    }
    return child;
  }
}
