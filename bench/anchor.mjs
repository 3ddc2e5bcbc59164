#!/usr/bin/env node
/**
 * Anchor bench: the service against Centrifugo v6.9.1, in one run, under the
 * same load.
 *
 *   npm run build && node bench/anchor.mjs [--users 1000] [--seconds 10] [--hold 30]
 *        [--rate 500] [--broadcast-rate 10] [--warmup 2] [--entry dist/main.js]
 *        [--centrifugo <binary>] [--deadline 1200]
 *        [--allow-load]   (run even when the machine is busy; the figures are then marked as not comparable)
 *
 * Each server runs alone, pinned to core 0 (`taskset -c 0`; the service's
 * embedded database is its child and shares that core), and this process, the
 * load, re-runs itself pinned to core 1 (without taskset or a second core
 * nothing is pinned, and the bench says so). Centrifugo is ~/go/bin/centrifugo
 * or $(go env GOPATH)/bin/centrifugo; when neither exists it is built with
 * `go install github.com/centrifugal/centrifugo/v6@v6.9.1`.
 *
 * U users, one connection each: on the service a Socket.IO connection to `/`
 * with the user's access token (accounts registered and logged in first, not
 * measured); on Centrifugo a JSON-protocol WebSocket with an HS256 token
 * (`sub` = user id) that subscribes to its personal channel `#<id>` and to the
 * common channel, with presence and join/leave pushes on (the service, too,
 * tells everyone who connected). Measured per server:
 *   - connect all U (100 in flight): wall time, p50/p99 per connection (until
 *     connected, and on Centrifugo subscribed);
 *   - memory per connection: RSS growth over the connects / U, from /proc
 *     (the service's figure includes its database process);
 *   - idle CPU while the connections are held for --hold seconds;
 *   - publish to one user at --rate requests/s for --seconds (service:
 *     POST /api/users/:id/message with the service key; Centrifugo: HTTP API
 *     publish to `#<id>`): server CPU per 1,000 deliveries, deliveries/s, p50/p99
 *     from request start to receipt;
 *   - broadcast at --broadcast-rate/s for --seconds (service:
 *     POST /api/users/broadcast; Centrifugo: publish to the common channel):
 *     CPU per 1,000 deliveries, deliveries/s, p50/p99.
 * Each publish phase first runs for --warmup seconds unmeasured, so the figures
 * are the steady state on both servers and not the service's JIT warming up (a
 * rate held from the first request builds a backlog while the code is still cold).
 * CPU is utime + stime from /proc over the window (until the last delivery or
 * a 5 s drain), so it holds on a busy machine better than wall-clock figures.
 * Everything stops by itself at --deadline seconds.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { centrifugoClient, COMMON_CHANNEL, connectionToken, locateCentrifugo, personalChannel, publish, startCentrifugo } from './lib/centrifugo.mjs';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { requireIdleMachine } from './lib/idle.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { sleep } from './lib/net.mjs';
import { inBatches } from './lib/pool.mjs';
import { canPin, cpuMicros, pinnedRun, processTree, rerunPinned, rssBytes } from './lib/proc.mjs';
import { percentile } from './lib/realtime-load.mjs';
import { newAccount, serviceEntry, startService } from './lib/service.mjs';

const SERVER_CORE = 0;
const LOAD_CORE = 1;
/** Requests in flight at most; one that would exceed it is skipped and counted (the server is behind). */
const MAX_IN_FLIGHT = 256;
const DRAIN_MS = 5000;
const PINNED_ENV = 'ANCHOR_LOAD_PINNED';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const textOption = textOptions(args);

// This script again, pinned to the load's core.
if (!process.env[PINNED_ENV] && canPin()) await rerunPinned(fileURLToPath(import.meta.url), LOAD_CORE, PINNED_ENV);
else await main(Boolean(process.env[PINNED_ENV]));

async function main(pinned) {
  const U = intOption('users', 1000, 2, 20_000);
  const T = intOption('seconds', 10, 1, 300);
  const HOLD = intOption('hold', 30, 1, 600);
  const RATE = intOption('rate', 500, 1, 100_000);
  const BROADCAST_RATE = intOption('broadcast-rate', 10, 1, 10_000);
  const WARMUP = intOption('warmup', 2, 0, 60);
  const DEADLINE_S = intOption('deadline', 1200, 30, 7200);
  const entry = serviceEntry(textOption);
  const binary = locateCentrifugo(textOption('centrifugo', ''), DEADLINE_S * 1000);
  await requireIdleMachine(args);

  const run = boundedRun(DEADLINE_S);
  const serverRun = pinned ? pinnedRun(run, SERVER_CORE) : run;
  console.log(
    `anchor bench: ${U} users, one connection each; hold ${HOLD} s; publish to one at ${RATE}/s and broadcast at ${BROADCAST_RATE}/s for ${T} s each, after ${WARMUP} s of warm-up\n` +
      (pinned ? `servers on core ${SERVER_CORE}, load on core ${LOAD_CORE}\n` : 'NOT pinned (needs taskset and two cores): figures share cores\n'),
  );
  const phases = { U, T, HOLD, RATE, BROADCAST_RATE, WARMUP };
  const results = {};
  try {
    const serviceKey = randomBytes(24).toString('hex');
    const service = await startService(serverRun, { entry, tempPrefix: 'anchor-', env: { SERVICE_API_KEY: serviceKey }, healthMs: 90_000 });
    process.stdout.write(`service: registering and logging in ${U} users (not measured)… `);
    const users = await inBatches(U, 16, (i) => newAccount(service.url, 'anchor', i));
    console.log('done');
    results.service = await measure(phases, {
      name: 'service',
      pids: () => processTree(service.pid),
      connect: (i) => serviceClient(service.url, users[i].token),
      sendToOne: (i, sentAt) => serviceRequest(`${service.url}/api/users/${users[i].id}/message`, serviceKey, sentAt),
      broadcast: (sentAt) => serviceRequest(`${service.url}/api/users/broadcast`, serviceKey, sentAt),
    });
    await service.stop();

    const centrifugo = await startCentrifugo(serverRun, { binary });
    const userIds = Array.from({ length: U }, (_, i) => `user-${i}`);
    results.centrifugo = await measure(phases, {
      name: 'centrifugo',
      pids: () => [centrifugo.pid],
      connect: (i) => centrifugoConnection(centrifugo, userIds[i]),
      sendToOne: (i, sentAt) => publish(centrifugo, personalChannel(userIds[i]), { t: sentAt }),
      broadcast: (sentAt) => publish(centrifugo, COMMON_CHANNEL, { t: sentAt }),
    });
    await centrifugo.stop();
  } finally {
    await run.close();
  }
  report(results);
  process.exit(0);
}

/**
 * The phases of one server. `connect(i)` resolves to { onDelivery(listener(sentAt)), close() };
 * `sendToOne(i, sentAt)` and `broadcast(sentAt)` resolve once the server accepted the request.
 */
async function measure({ U, T, HOLD, RATE, BROADCAST_RATE, WARMUP }, { name, pids, connect, sendToOne, broadcast }) {
  await sleep(1000);
  const rssBefore = rssBytes(pids());
  process.stdout.write(`${name}: connecting ${U}… `);
  const connectTimes = [];
  const connectStart = performance.now();
  const clients = await inBatches(U, 100, async (i) => {
    const started = performance.now();
    const client = await connect(i);
    connectTimes.push(performance.now() - started);
    return client;
  });
  const connectWall = (performance.now() - connectStart) / 1000;
  await sleep(2000);
  const memoryPerConnectionKb = (rssBytes(pids()) - rssBefore) / U / 1024;
  console.log(`${connectWall.toFixed(2)} s`);

  process.stdout.write(`${name}: holding ${HOLD} s… `);
  const idleCpuBefore = cpuMicros(pids());
  await sleep(HOLD * 1000);
  const idleCpuPercent = ((cpuMicros(pids()) - idleCpuBefore) / 1e6 / HOLD) * 100;
  console.log(`${idleCpuPercent.toFixed(2)}% of a core`);

  // What arrives is counted for the phase under way.
  let phase = { delivered: 0, latencies: [], last: 0 };
  for (const client of clients) {
    client.onDelivery((sentAt) => {
      const now = performance.now();
      phase.delivered++;
      phase.latencies.push(now - sentAt);
      phase.last = now;
    });
  }
  const timed = async (label, rate, perRequest, request) => {
    if (WARMUP > 0) {
      await atRate(rate, WARMUP, request);
      await sleep(1000);
    }
    phase = { delivered: 0, latencies: [], last: 0 };
    process.stdout.write(`${name}: ${label} at ${rate}/s for ${T} s… `);
    const cpuBefore = cpuMicros(pids());
    const outcome = await atRate(rate, T, request);
    const expected = outcome.accepted * perRequest;
    const drainUntil = performance.now() + DRAIN_MS;
    while (phase.delivered < expected && performance.now() < drainUntil) await sleep(10);
    const cpuMs = (cpuMicros(pids()) - cpuBefore) / 1000;
    const span = ((phase.last || performance.now()) - outcome.started) / 1000;
    console.log(
      `${phase.delivered}/${expected} delivered${outcome.skipped ? `, ${outcome.skipped} requests skipped (server behind)` : ''}${outcome.failed ? `, ${outcome.failed} failed` : ''}`,
    );
    return {
      cpuPerThousand: phase.delivered === 0 ? 0 : (cpuMs / phase.delivered) * 1000,
      deliveredPerSecond: phase.delivered / span,
      p50: percentile(phase.latencies, 50),
      p99: percentile(phase.latencies, 99),
      lost: expected - phase.delivered,
    };
  };
  const one = await timed('publish to one', RATE, 1, (k) => sendToOne(k % U, performance.now()));
  const all = await timed('broadcast', BROADCAST_RATE, U, () => broadcast(performance.now()));

  for (const client of clients) client.close();
  return {
    name,
    connectWall,
    connectP50: percentile(connectTimes, 50),
    connectP99: percentile(connectTimes, 99),
    memoryPerConnectionKb,
    idleCpuPercent,
    one,
    all,
  };
}

/** Starts `request(k)` at `rate` per second for `seconds`, at most MAX_IN_FLIGHT at once; resolves once all have settled. */
async function atRate(rate, seconds, request) {
  const started = performance.now();
  const total = rate * seconds;
  const outcome = { started, accepted: 0, skipped: 0, failed: 0 };
  const inFlight = new Set();
  let firstError;
  for (let k = 0; k < total;) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; k < due; k++) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        outcome.skipped++;
        continue;
      }
      const pending = request(k).then(
        () => outcome.accepted++,
        (error) => {
          outcome.failed++;
          firstError ??= error;
        },
      );
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    }
    if (k < total) await sleep(Math.max(1, Math.floor(1000 / rate)));
  }
  await Promise.all(inFlight);
  if (firstError) console.error(`\n  first failure: ${firstError.message}`);
  return outcome;
}

/* --------------------------------------------------------------- clients */

function serviceClient(url, token) {
  return new Promise((resolveClient, reject) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token }, timeout: 20_000 });
    socket.once('connect_error', (error) => reject(new Error(`connect_error: ${error.message}`)));
    socket.once('connect', () =>
      resolveClient({
        onDelivery: (listener) => socket.on('message', ({ message }) => listener(Number(message))),
        close: () => socket.close(),
      }),
    );
  });
}

async function serviceRequest(url, serviceKey, sentAt) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-API-Key': serviceKey },
    body: JSON.stringify({ message: String(sentAt) }),
  });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

async function centrifugoConnection(server, userId) {
  const client = await centrifugoClient(server, connectionToken(server.secret, userId), [personalChannel(userId), COMMON_CHANNEL]);
  return { onDelivery: (listener) => client.onPublication((_channel, data) => listener(data.t)), close: client.close };
}

/* ---------------------------------------------------------------- report */

function report({ service, centrifugo }) {
  const rows = [
    ['connect all (s)', (r) => r.connectWall, 2],
    ['connect p50 (ms)', (r) => r.connectP50, 2],
    ['connect p99 (ms)', (r) => r.connectP99, 2],
    ['memory per connection (KB)', (r) => r.memoryPerConnectionKb, 1],
    ['idle CPU while holding (% core)', (r) => r.idleCpuPercent, 2],
    ['to one: CPU ms / 1k deliveries', (r) => r.one.cpuPerThousand, 2],
    ['to one: deliveries/s', (r) => r.one.deliveredPerSecond, 0],
    ['to one: p50 (ms)', (r) => r.one.p50, 2],
    ['to one: p99 (ms)', (r) => r.one.p99, 2],
    ['to one: lost', (r) => r.one.lost, 0],
    ['broadcast: CPU ms / 1k deliveries', (r) => r.all.cpuPerThousand, 2],
    ['broadcast: deliveries/s', (r) => r.all.deliveredPerSecond, 0],
    ['broadcast: p50 (ms)', (r) => r.all.p50, 2],
    ['broadcast: p99 (ms)', (r) => r.all.p99, 2],
    ['broadcast: lost', (r) => r.all.lost, 0],
  ];
  console.log('\n| figure | service | centrifugo | service / centrifugo |');
  console.log('|---|---|---|---|');
  for (const [label, value, digits] of rows) {
    const a = value(service);
    const b = value(centrifugo);
    console.log(`| ${label} | ${a.toFixed(digits)} | ${b.toFixed(digits)} | ${b > 0 ? (a / b).toFixed(2) : 'n/a'} |`);
  }
}
