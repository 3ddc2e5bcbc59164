#!/usr/bin/env node
/**
 * Voice relay load bench: the service's /voice (Socket.IO) and /ws (binary
 * fast path) against a bare Socket.IO room relay, in one run.
 *
 *   npm run build && node bench/voice.mjs [--channels 50] [--members 5] [--seconds 10]
 *        [--bytes 160] [--pps 50] [--transports voice,ws] [--entry dist/main.js] [--deadline 600]
 *
 * Servers run as child processes on 127.0.0.1; this process is the load. C
 * channels × M members, every member a speaker sending `bytes`-byte frames at
 * `pps` packets/s for T seconds, each frame carrying its send time; every
 * other member of the channel must receive it. Reported per server:
 * deliveries/s, loss (1 − delivered / expected), p50/p99/max latency from send
 * to receipt (same clock: one load process), and the server's CPU (utime +
 * stime from /proc/<pid>/stat over the sending window, % of one core).
 * The bare relay joins rooms and re-emits to the room: nothing else (no auth,
 * membership checks, validation, statistics or metrics).
 * Everything stops by itself at --deadline seconds.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { postJson, sleep } from './lib/net.mjs';
import { inBatches } from './lib/pool.mjs';
import { bareSocketIo, serveReference, startReference } from './lib/reference.mjs';
import { newAccount, serviceEntry, startService } from './lib/service.mjs';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const textOption = textOptions(args);
const now = () => performance.timeOrigin + performance.now();

if (args.bare) await runBareServer();
else await main();

/** The baseline: Socket.IO with the same 64 KB limit, rooms, and a re-emit. */
async function runBareServer() {
  const { http, server } = await bareSocketIo((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end('OK'));
  server.of('/voice').on('connection', (socket) => {
    const userId = socket.handshake.auth.id;
    socket.on('JoinChannel', ({ channel_id }, ack) => {
      socket.join(channel_id);
      ack?.({ ok: true });
    });
    socket.on('AudioData', ({ channel_id, data, seq, timestamp }) => {
      socket.to(channel_id).emit('AudioData', { user_id: userId, channel_id, data, seq, timestamp });
    });
  });
  serveReference(http);
}

async function main() {
  const C = intOption('channels', 50, 1, 1000);
  const M = intOption('members', 5, 2, 100);
  const T = intOption('seconds', 10, 1, 300);
  const BYTES = intOption('bytes', 160, 1, 16384);
  const PPS = intOption('pps', 50, 1, 1000);
  const DEADLINE_S = intOption('deadline', 600, 30, 3600);
  const entry = serviceEntry(textOption);
  const TRANSPORTS = textOption('transports', 'voice,ws').split(',');
  if (TRANSPORTS.some((name) => name !== 'voice' && name !== 'ws')) {
    console.error('--transports is a comma-separated list of voice and ws');
    process.exit(2);
  }

  const run = boundedRun(DEADLINE_S);

  const speakers = C * M;
  console.log(`voice bench: ${C} channels × ${M} members = ${speakers} speakers, ${BYTES}-byte frames at ${PPS}/s for ${T}s\n`);
  const results = {};
  try {
    const service = await startService(run, { entry, tempPrefix: 'voice-bench-', healthMs: 90_000 });
    process.stdout.write(`creating ${speakers} accounts and ${C} channels… `);
    const users = await inBatches(speakers, 8, (i) => newAccount(service.url, 'vb', i));
    const channels = await inBatches(C, 8, (c) => createChannel(service.url, users[c * M].token, M));
    console.log('done');

    for (const transport of TRANSPORTS) {
      results[transport] = await measure({
        name: transport === 'voice' ? 'service /voice (Socket.IO, binary)' : 'service /ws (binary frames)',
        pid: service.pid,
        C,
        M,
        T,
        BYTES,
        PPS,
        connect: (i) => (transport === 'voice' ? voiceClient(service.url, users[i]) : wsClient(service.port, users[i])),
        channelOf: (c) => channels[c],
      });
    }
    // Gone, database and all, before the relay starts: its shutdown must not share the CPU.
    await service.stop();

    const bare = await startReference(run, fileURLToPath(import.meta.url));
    results.bare = await measure({
      name: 'bare Socket.IO room relay',
      pid: bare.pid,
      C,
      M,
      T,
      BYTES,
      PPS,
      connect: (i) => voiceClient(bare.url, { id: `bare-${i}` }, { id: `bare-${i}` }),
      channelOf: (c) => `room-${c}`,
    });
  } finally {
    await run.close();
  }
  report(results);
  process.exit(0);
}

/** Connects every member, joins, then every member speaks for T seconds; counts and times what arrives. */
async function measure({ name, pid, C, M, T, BYTES, PPS, connect, channelOf }) {
  const phase = performance.now();
  process.stdout.write(`${name}: connecting… `);
  let connected = 0;
  let joined = 0;
  const progress = setInterval(() => process.stdout.write(`[${connected} connected, ${joined} joined] `), 10_000);
  const clients = await inBatches(C * M, 50, async (i) => {
    const client = await connect(i);
    connected++;
    return client;
  });
  await inBatches(C * M, 50, async (i) => {
    await clients[i].join(channelOf(Math.floor(i / M)));
    joined++;
  });
  clearInterval(progress);
  const latencies = [];
  let delivered = 0;
  for (const client of clients) {
    client.onAudio((timestamp) => {
      delivered++;
      latencies.push(now() - timestamp);
    });
  }
  await sleep(500);
  process.stdout.write(`(${((performance.now() - phase) / 1000).toFixed(1)} s) sending… `);

  const payload = randomBytes(BYTES);
  const interval = 1000 / PPS;
  let sent = 0;
  const cpuBefore = cpuMicros(pid);
  const started = performance.now();
  const timers = [];
  clients.forEach((client, i) => {
    const channel = channelOf(Math.floor(i / M));
    let seq = 0;
    const tick = () => {
      client.send(channel, payload, seq++, now());
      sent++;
    };
    // Spread the speakers over one interval, as independent microphones would be.
    timers[i] = setTimeout(
      () => {
        tick();
        timers[i] = setInterval(tick, interval);
      },
      (i * interval) / clients.length,
    );
  });
  await sleep(T * 1000);
  for (const timer of timers) {
    clearTimeout(timer);
    clearInterval(timer);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (cpuMicros(pid) - cpuBefore) / 1e6 / elapsed;
  await sleep(1500); // drain
  for (const client of clients) client.close();
  console.log('done');

  latencies.sort((a, b) => a - b);
  const expected = sent * (M - 1);
  return {
    name,
    sent,
    expected,
    delivered,
    deliveredPerSecond: delivered / elapsed,
    loss: expected === 0 ? 0 : 1 - delivered / expected,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
    cpuPercent: cpu * 100,
  };
}

function report(results) {
  console.log('\n| server | sent | delivered/s | loss | p50 ms | p99 ms | max ms | server CPU % |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of Object.values(results)) {
    console.log(
      `| ${r.name} | ${r.sent} | ${r.deliveredPerSecond.toFixed(0)} | ${(r.loss * 100).toFixed(3)}% | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.cpuPercent.toFixed(1)} |`,
    );
  }
  const { bare } = results;
  console.log('\nratios to the bare relay (service / bare):');
  for (const key of ['voice', 'ws']) {
    const r = results[key];
    if (!r) continue;
    console.log(
      `  ${r.name}: throughput ${(r.deliveredPerSecond / bare.deliveredPerSecond).toFixed(3)}, p99 ${(r.p99 / bare.p99).toFixed(2)}, CPU ${(r.cpuPercent / bare.cpuPercent).toFixed(2)}`,
    );
  }
}

/* ------------------------------------------------------------------ clients */

function voiceClient(url, user, auth = { token: user.token }) {
  return new Promise((resolveClient, reject) => {
    const socket = io(`${url}/voice`, { forceNew: true, reconnection: false, transports: ['websocket'], auth, timeout: 20_000 });
    socket.once('connect_error', (error) => reject(new Error(`connect_error: ${error.message}`)));
    socket.once('connect', () =>
      resolveClient({
        join: async (channelId) => {
          const answer = await socket.timeout(10_000).emitWithAck('JoinChannel', { channel_id: channelId });
          if (!answer.ok) throw new Error(`JoinChannel: ${JSON.stringify(answer)}`);
        },
        onAudio: (listener) => socket.on('AudioData', (packet) => listener(packet.timestamp)),
        send: (channelId, data, seq, timestamp) => socket.emit('AudioData', { channel_id: channelId, data, seq, timestamp }),
        close: () => socket.close(),
      }),
    );
  });
}

function wsClient(port, user) {
  return new Promise((resolveClient, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${user.token}&binary=1`);
    const joins = new Map();
    let audio = () => undefined;
    ws.on('message', (data, isBinary) => {
      if (isBinary) audio(data.readDoubleBE(38));
      else {
        const message = JSON.parse(data.toString());
        if (message.type === 'JoinedChannel') joins.get(message.channel_id)?.resolve();
        if (message.type === 'Error') for (const join of joins.values()) join.reject(new Error(`JoinChannel: ${JSON.stringify(message)}`));
      }
    });
    ws.on('error', reject);
    ws.once('open', () =>
      resolveClient({
        join: (channelId) =>
          new Promise((resolveJoin, rejectJoin) => {
            joins.set(channelId, { resolve: resolveJoin, reject: rejectJoin });
            ws.send(JSON.stringify({ type: 'JoinChannel', channel_id: channelId }));
          }),
        onAudio: (listener) => (audio = listener),
        send: (channelId, data, seq, timestamp) => {
          const frame = Buffer.allocUnsafe(30 + data.length);
          frame[0] = 1;
          frame[1] = 3;
          frame.write(channelId.replace(/-/g, ''), 2, 16, 'hex');
          frame.writeUInt32BE(seq, 18);
          frame.writeDoubleBE(timestamp, 22);
          data.copy(frame, 30);
          ws.send(frame);
        },
        close: () => ws.close(),
      }),
    );
  });
}

/* ------------------------------------------------------------------ helpers */

async function createChannel(url, token, members) {
  const res = await postJson(
    `${url}/api/channels`,
    { name: `bench-${randomBytes(3).toString('hex')}`, max_users: members },
    { Authorization: `Bearer ${token}` },
  );
  if (res.status !== 201) throw new Error(`channel: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id;
}

/** utime + stime of a process, µs (Linux /proc; clock ticks of 10 ms). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function quantile(sorted, q) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
