import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { postJson, sleep } from './net.mjs';
import { inBatches } from './pool.mjs';
import { cpuMicros } from './proc.mjs';

/*
 * The voice load of bench/voice.mjs and bench/cluster.mjs: C channels × M
 * members, every member a speaker; clients for /voice (Socket.IO) and /ws
 * (binary frames); what arrives counted and timed on the load's one clock.
 */

const now = () => performance.timeOrigin + performance.now();

/**
 * Connects every member, joins, then every member speaks for T seconds; counts and times what arrives.
 * `pid` is one process id or several (their CPU is added up). With `classify(receiverIndex, senderUserId)`
 * (a label such as 'local' or 'cross'), deliveries and latencies are also reported per label in `byClass`.
 */
export async function measure({ name, pid, C, M, T, BYTES, PPS, connect, channelOf, classify }) {
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
  const classes = new Map();
  clients.forEach((client, i) => {
    client.onAudio((timestamp, senderUserId) => {
      const latency = now() - timestamp;
      delivered++;
      latencies.push(latency);
      if (!classify) return;
      const label = classify(i, senderUserId);
      if (!classes.has(label)) classes.set(label, []);
      classes.get(label).push(latency);
    });
  });
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
  const byClass = {};
  for (const [label, values] of classes) {
    values.sort((a, b) => a - b);
    byClass[label] = { delivered: values.length, deliveredPerSecond: values.length / elapsed, p50: quantile(values, 0.5), p99: quantile(values, 0.99) };
  }
  return {
    byClass,
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

/* ------------------------------------------------------------------ clients */

export function voiceClient(url, user, auth = { token: user.token }) {
  return new Promise((resolveClient, reject) => {
    const socket = io(`${url}/voice`, { forceNew: true, reconnection: false, transports: ['websocket'], auth, timeout: 20_000 });
    socket.once('connect_error', (error) => reject(new Error(`connect_error: ${error.message}`)));
    socket.once('connect', () =>
      resolveClient({
        join: async (channelId) => {
          const answer = await socket.timeout(10_000).emitWithAck('JoinChannel', { channel_id: channelId });
          if (!answer.ok) throw new Error(`JoinChannel: ${JSON.stringify(answer)}`);
        },
        onAudio: (listener) => socket.on('AudioData', (packet) => listener(packet.timestamp, packet.user_id)),
        send: (channelId, data, seq, timestamp) => socket.emit('AudioData', { channel_id: channelId, data, seq, timestamp }),
        close: () => socket.close(),
      }),
    );
  });
}

export function wsClient(port, user) {
  return new Promise((resolveClient, reject) => {
    // Binary frames are an opt-in of /ws clients; the bench reads them.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${user.token}&binary=1`);
    const joins = new Map();
    let audio = () => undefined;
    ws.on('message', (data, isBinary) => {
      if (isBinary) audio(data.readDoubleBE(38), uuidAt(data, 18));
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

export async function createChannel(url, token, members) {
  const res = await postJson(
    `${url}/api/channels`,
    { name: `bench-${randomBytes(3).toString('hex')}`, max_users: members },
    { Authorization: `Bearer ${token}` },
  );
  if (res.status !== 201) throw new Error(`channel: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id;
}

/** utime + stime of processes (one pid or several), µs (Linux /proc; clock ticks of 10 ms). */
function uuidAt(frame, offset) {
  const hex = frame.toString('hex', offset, offset + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function quantile(sorted, q) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
