#!/usr/bin/env node
/**
 * Realtime load bench: the service against a bare Socket.IO server, in one run.
 *
 *   npm run build && node bench/realtime.mjs [--sockets 1000] [--users 100]
 *        [--messages 2000] [--relays 20000] [--entry dist/main.js] [--deadline 300]
 *        [--allow-load]   (run even when the machine is busy; the figures are then marked as not comparable)
 *        [--profile DIR]   (CPU profile of the service, written when it stops)
 *
 * Both servers run as child processes on 127.0.0.1; this process is the load
 * (socket.io-client). N authenticated sockets spread over U users (N/U sockets
 * each). Measured for each server:
 *   - connect: wall time for all N sockets (100 handshakes in flight), p50/p99 per socket, and the
 *     server's CPU time meanwhile (user + system, from /proc: meaningful on a loaded machine too);
 *   - memory per connection: server RSS growth / N (from /proc/<pid>/status);
 *   - direct messages: POST /api/users/:id/message (50 requests in flight),
 *     deliveries/s and p50/p99 latency from request start to each socket's receipt;
 *   - signaling relay: socket-to-socket `iceCandidate` between call parties
 *     (window of 32 per sender), deliveries/s and p50/p99 latency.
 * The bare server does only what Socket.IO needs for the same traffic (token
 * lookup in a Map, user rooms, emit to the room); the service adds JWT and
 * session checks, presence, validation, call-state checks, metrics and stats.
 * Everything stops by itself at --deadline seconds.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { requireIdleMachine } from './lib/idle.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { postJson } from './lib/net.mjs';
import { measure } from './lib/realtime-load.mjs';
import { bareSocketIo, serveReference, startReference } from './lib/reference.mjs';
import { logIn, registerAccount, serviceEntry, startService } from './lib/service.mjs';
import { inBatches } from './lib/pool.mjs';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const textOption = textOptions(args);

if (args.bare) {
  await runBareServer();
} else {
  await main();
}

/* --------------------------------------------------------------- bare server */

/** The baseline: Socket.IO with the same limits and rooms, and nothing else. */
async function runBareServer() {
  const tokens = new Map();
  // The handler reaches `server` only on requests, which come after it is assigned.
  const { http, server } = await bareSocketIo((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const json = (status, payload) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'GET' && req.url === '/health') return json(200, { ok: true });
      if (req.method === 'POST' && req.url === '/login') {
        const { id } = JSON.parse(body);
        const token = randomBytes(16).toString('hex');
        tokens.set(token, id);
        return json(200, { accessToken: token });
      }
      const match = req.method === 'POST' && /^\/api\/users\/([^/]+)\/message$/.exec(req.url);
      if (match) {
        const room = `user:${match[1]}`;
        const sockets = server.sockets.adapter.rooms.get(room)?.size ?? 0;
        if (sockets === 0) return json(404, { error: 'User not connected' });
        const { message } = JSON.parse(body);
        server.to(room).emit('message', { from: 'service', message, sent_at: new Date().toISOString() });
        return json(200, { status: 'Message sent', delivered: sockets });
      }
      json(404, { error: 'Not found' });
    });
  });
  server.use((socket, next) => {
    const userId = tokens.get(socket.handshake.auth?.token);
    if (!userId) return next(new Error('Unauthorized'));
    socket.data.userId = userId;
    next();
  });
  server.on('connection', (socket) => {
    socket.join(`user:${socket.data.userId}`);
    socket.on('callUser', (_payload, ack) => ack?.({ ok: true, status: 'ringing' }));
    socket.on('answerCall', (_payload, ack) => ack?.({ ok: true }));
    socket.on('iceCandidate', (payload, ack) => {
      server.to(`user:${payload.targetUserId}`).emit('iceCandidate', { from: socket.data.userId, candidate: payload.candidate });
      ack?.({ ok: true });
    });
  });
  serveReference(http);
}

/* ---------------------------------------------------------------------- main */

async function main() {
  const N = intOption('sockets', 1000, 2, 10_000);
  const U = intOption('users', Math.min(100, N), 2, N);
  const MESSAGES = intOption('messages', 2000, 1, 1_000_000);
  const RELAYS = intOption('relays', 20_000, 1, 10_000_000);
  const DEADLINE_S = intOption('deadline', 300, 10, 3600);
  const entry = serviceEntry(textOption);
  const profileDir = textOption('profile', undefined);
  if (U % 2 !== 0) {
    console.error('--users must be even (callers and callees in pairs)');
    process.exit(2);
  }

  await requireIdleMachine(args);
  const run = boundedRun(DEADLINE_S);

  console.log(`realtime bench: ${N} sockets over ${U} users, ${MESSAGES} direct messages, ${RELAYS} relays\n`);
  const results = {};
  try {
    const serviceKey = randomBytes(24).toString('hex');
    const service = await startService(run, {
      entry,
      tempPrefix: 'rt-bench-',
      env: { SERVICE_API_KEY: serviceKey },
      // --profile DIR: the service writes a V8 CPU profile there on exit (chrome://inspect or speedscope).
      nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [],
    });
    // All accounts first, then the logins, as clients sign in shortly before they connect: with
    // both in one pass, 1,000 users take two bcrypt rounds each and the first sessions are minutes old.
    const accounts = await inBatches(U, 8, (i) => registerAccount(service.url, 'bench', i));
    results.app = await measure({
      name: 'service',
      url: service.url,
      pid: service.pid,
      N,
      U,
      MESSAGES,
      RELAYS,
      serviceHeaders: { 'X-API-Key': serviceKey },
      login: async (i) => ({ id: accounts[i].id, token: await logIn(service.url, accounts[i].username, accounts[i].password) }),
      call: true,
    });
    const stopped = performance.now();
    const exitCode = await service.stop();
    console.log(`service: stopped by SIGTERM in ${((performance.now() - stopped) / 1000).toFixed(2)} s, exit code ${exitCode}\n`);

    const bare = await startReference(run, fileURLToPath(import.meta.url));
    results.bare = await measure({
      name: 'bare socket.io',
      url: bare.url,
      pid: bare.pid,
      N,
      U,
      MESSAGES,
      RELAYS,
      serviceHeaders: {},
      login: (i) => loginBare(bare.url, i),
      call: false,
    });
  } finally {
    await run.close();
  }

  report(results);
  process.exit(0);
}

function report({ app, bare }) {
  const rows = [
    ['connect N sockets (s)', 'connectWallS', 2, 'lower'],
    ['connect p50 (ms)', 'connectP50', 2, 'lower'],
    ['connect p99 (ms)', 'connectP99', 2, 'lower'],
    ['connect: server CPU (ms)', 'connectCpuMs', 0, 'lower'],
    ['memory per connection (KB)', 'memoryPerConnectionKb', 1, 'lower'],
    ['direct messages: deliveries/s', 'dmPerSecond', 0, 'higher'],
    ['direct messages: requests/s', 'dmRequestsPerSecond', 0, 'higher'],
    ['direct message p50 (ms)', 'dmP50', 2, 'lower'],
    ['direct message p99 (ms)', 'dmP99', 2, 'lower'],
    ['signaling relay: deliveries/s', 'relayPerSecond', 0, 'higher'],
    ['signaling relay p50 (ms)', 'relayP50', 2, 'lower'],
    ['signaling relay p99 (ms)', 'relayP99', 2, 'lower'],
  ];
  const pad = (text, width) => String(text).padStart(width);
  console.log(`${'figure'.padEnd(32)}${pad('service', 12)}${pad('bare', 12)}${pad('service/bare', 14)}`);
  for (const [label, key, digits] of rows) {
    const ratio = bare[key] > 0 ? (app[key] / bare[key]).toFixed(2) : 'n/a';
    console.log(`${label.padEnd(32)}${pad(app[key].toFixed(digits), 12)}${pad(bare[key].toFixed(digits), 12)}${pad(ratio, 14)}`);
  }
  const throughputSlowdown = bare.relayPerSecond / app.relayPerSecond;
  const p99Ratio = app.relayP99 / bare.relayP99;
  const memoryRatio = app.memoryPerConnectionKb / bare.memoryPerConnectionKb;
  console.log(
    `\ntargets: relay throughput within 1.5x of bare: ${throughputSlowdown.toFixed(2)}x ${throughputSlowdown <= 1.5 ? 'met' : 'NOT met'}; ` +
      `relay p99 within 1.5x: ${p99Ratio.toFixed(2)}x ${p99Ratio <= 1.5 ? 'met' : 'NOT met'}; ` +
      `memory per connection under 2x: ${memoryRatio.toFixed(2)}x ${memoryRatio < 2 ? 'met' : 'NOT met'}`,
  );
  const connectRatio = app.connectWallS / bare.connectWallS;
  const connectP99Ratio = app.connectP99 / bare.connectP99;
  console.log(
    `         connect all within 1.5x: ${connectRatio.toFixed(2)}x ${connectRatio <= 1.5 ? 'met' : 'NOT met'}; ` +
      `connect p99 within 2x: ${connectP99Ratio.toFixed(2)}x ${connectP99Ratio <= 2 ? 'met' : 'NOT met'}; ` +
      `memory per connection within 1.25x: ${memoryRatio.toFixed(2)}x ${memoryRatio <= 1.25 ? 'met' : 'NOT met'}`,
  );
}

/* ------------------------------------------------------------------- helpers */

async function loginBare(url, i) {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const login = await postJson(`${url}/login`, { id });
  return { id, token: login.body.accessToken };
}
