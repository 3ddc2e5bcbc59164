#!/usr/bin/env node
/**
 * Abuse bench: what hostile or broken clients cost everyone else.
 *
 *   npm run build && node bench/abuse.mjs [--slow 100] [--seconds 10] [--frame-bytes 16000]
 *        [--entry dist/main.js] [--deadline 600] [--phases slow,flood,handshakes] [--cpu-prof DIR]
 *        [--flood-sessions 10]
 *        [--allow-load]   (run even when the machine is busy; the round trips are then not comparable)
 *        [--no-pin]       (let the service and the clients share both cores)
 *
 * One service (production settings, the realtime limits at their defaults, see
 * docs/security.md) and, all the time, one well-behaved client with 4 Socket.IO
 * connections, each sending a `register` with an ack 8 times a second, and
 * recording the round trips (320 per 10 s phase, so the p99 is not just the
 * worst of a few dozen).
 * Phases of --seconds each, every attack right after a quiet phase of its own:
 *   quiet       nothing else (the baseline of the attack that follows);
 *   slow        a speaker on /ws sends 16 KB frames at the audio rate limit
 *               into a channel with --slow members (/ws, binary) that stopped
 *               reading right after joining, and one member that reads;
 *   flood       one socket sends `iceCandidate` as fast as it can, reconnecting
 *               whenever it is cut off, with the next of --flood-sessions
 *               sessions of its account (a session cut off for flooding waits
 *               out SOCKET_OFFENDER_COOLDOWN_MS before it may connect again);
 *   handshakes  100 concurrent loops opening engine.io handshakes (no auth).
 * Printed per phase: the good client's p50/p99 round trip (and the ratio to
 * the quiet phase before it), the service's peak RSS growth over its RSS before the phase
 * (from /proc/<pid>/status), what the service counted in /metrics (dropped
 * audio, disconnects, refused events and handshakes), and the service's CPU
 * time in the phase (/proc/<pid>/stat), also per refused event (flood) and per
 * refused handshake (handshakes): unlike round trips, these hardly depend on
 * what else the machine runs, so they compare builds on a busy machine; and
 * the machine's steal (CPU time the hypervisor gave to other machines, from
 * /proc/stat), which moves the round trips of a virtual machine.
 * --phases runs only those attack phases (each after its quiet one); --cpu-prof DIR
 * runs the service under `node --cpu-prof` and leaves its profile in DIR.
 * As on separate machines, the service (with its database) runs on one core and
 * every client on the other (taskset; without it or a second core, nothing is
 * pinned and the bench says so): an attacker's own CPU does not slow the service.
 * The good client runs in a worker thread, so its round trips do not wait on the
 * attackers' work in this process; it still shares their core, where the
 * attackers' thread runs at nice 10, so the good client is not kept waiting for
 * the CPU by them (on separate machines it would not be at all).
 * Targets: RSS growth < 50 MB with 100 non-reading members; p99 within 2x of the quiet phase before.
 * Every client connects from its own loopback address, as users on their own
 * machines would: the good client from 127.0.0.2, each member of the channel
 * from one of 127.1.x.y, both attackers from 127.6.6.6. So the per-address
 * handshake budget stays at its default and the attackers spend only their own.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { requireIdleMachine } from './lib/idle.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { postJson, sleep } from './lib/net.mjs';
import { inBatches } from './lib/pool.mjs';
import { canPin, pinnedRun, rerunPinned } from './lib/proc.mjs';
import { logIn, newAccount, registerAccount, serviceEntry, startService } from './lib/service.mjs';

/** Round trips each of the good client's connections measures per second (within the default messaging budget of 10/s). */
const PING_HZ = 8;
/** The good client's connections (a user with a few tabs open): more round trips per phase make a steadier p99. */
const GOOD_CONNECTIONS = 4;
/** The attackers' thread's nice value: they get the shared client core only when the good client does not need it. */
const ATTACKERS_NICE = 10;
/** Events the flooder emits between turns of its event loop. */
const FLOOD_BURST = 50;
/** The good client's round trips before the quiet phase, not counted. */
const WARMUP_MS = 3000;
const GOOD_CLIENT_ADDRESS = '127.0.0.2';
const ATTACKER_ADDRESS = '127.6.6.6';
/** The loopback address of the channel's i-th member (speaker, listener, then the members that stop reading). */
const memberAddress = (i) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** Like separate machines: the service (and its database) on one core, every client on the other. */
const SERVER_CORE = 0;
const CLIENT_CORE = 1;
const PINNED_ENV = 'ABUSE_CLIENTS_PINNED';

if (!isMainThread) {
  await pingerThread(workerData);
} else if (!process.env[PINNED_ENV] && !parseArgs(process.argv.slice(2))['no-pin'] && canPin()) {
  await rerunPinned(fileURLToPath(import.meta.url), CLIENT_CORE, PINNED_ENV);
} else {
  await bench(Boolean(process.env[PINNED_ENV]));
}

async function bench(pinned) {
  const args = parseArgs(process.argv.slice(2));
  const intOption = integerOptions(args);
  const textOption = textOptions(args);
  const SLOW = intOption('slow', 100, 1, 1000);
  const SECONDS = intOption('seconds', 10, 2, 120);
  const FRAME_BYTES = intOption('frame-bytes', 16000, 64, 16384);
  const PHASES = new Set(String(textOption('phases', 'slow,flood,handshakes')).split(','));
  const FLOOD_SESSIONS = intOption('flood-sessions', 10, 1, 100);
  const CPU_PROF = textOption('cpu-prof', undefined);
  await requireIdleMachine(args);

  const run = boundedRun(intOption('deadline', 600, 30, 3600));
  console.log(pinned ? `service on core ${SERVER_CORE}, clients on core ${CLIENT_CORE}` : 'NOT pinned: the service and the clients share the cores');
  try {
    await main(pinned ? pinnedRun(run, SERVER_CORE) : run, { SLOW, SECONDS, FRAME_BYTES, PHASES, CPU_PROF, FLOOD_SESSIONS, textOption });
  } finally {
    await run.close();
  }
}

async function main(run, { SLOW, SECONDS, FRAME_BYTES, PHASES, CPU_PROF, FLOOD_SESSIONS, textOption }) {
  const service = await startService(run, {
    entry: serviceEntry(textOption),
    tempPrefix: 'abuse-bench-',
    nodeArgs: CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : [],
    // The production limits (bench/lib/service.mjs lifts them for the load benches).
    env: {
      HANDSHAKE_RATE_PER_IP: '10',
      HANDSHAKE_BURST_PER_IP: '100',
      SOCKET_SIGNALING_RATE: '20',
      SOCKET_SIGNALING_BURST: '60',
      SOCKET_MESSAGING_RATE: '10',
      SOCKET_MESSAGING_BURST: '30',
      SOCKET_AUDIO_RATE_FACTOR: '4',
    },
  });
  const { url, port, pid } = service;
  console.log(`service pid ${pid} on ${url}; ${SLOW} slow members, ${SECONDS}s per phase, ${FRAME_BYTES}-byte frames`);

  const accounts = await inBatches(SLOW + 3, 4, (i) => newAccount(url, 'abuse', i));
  const [speakerAccount, listenerAccount, goodAccount] = accounts;
  const flooder = await registerAccount(url, 'abuse_flooder', 0);
  const flooderTokens = [];
  for (let i = 0; i < FLOOD_SESSIONS; i++) flooderTokens.push(await logIn(url, flooder.username, flooder.password));
  const slowAccounts = accounts.slice(3);
  const channel = await postJson(`${url}/api/channels`, { name: 'busy', max_users: 1000 }, { authorization: `Bearer ${speakerAccount.token}` });
  if (channel.status !== 201) throw new Error(`channel: ${channel.status} ${JSON.stringify(channel.body)}`);
  const channelId = channel.body.data.id;

  const pinger = await startPinger(url, goodAccount);
  // The round trips of the first seconds (code still cold, the setup's garbage and writes settling) are not the quiet baseline.
  await sleep(WARMUP_MS);
  const results = [];

  // Each attack is compared with a quiet phase just before it: on a shared machine the quiet figure itself drifts
  // over a run (the hypervisor's steal column shows by how much), and an adjacent baseline drifts least.
  const quietPhase = async () => results.push(await phase('quiet', pid, pinger, url, async () => sleep(SECONDS * 1000)));
  if (PHASES.has('slow')) await quietPhase().then(slowPhase);
  if (PHASES.has('flood')) await quietPhase().then(floodPhase);
  if (PHASES.has('handshakes')) await quietPhase().then(handshakePhase);

  await pinger.stop();
  // The profile is written when the service exits normally.
  if (CPU_PROF) await service.stop();
  print(results, SLOW);

  async function slowPhase() {
    const speaker = await wsClient(port, speakerAccount.token, channelId, memberAddress(0));
    const listener = await wsClient(port, listenerAccount.token, channelId, memberAddress(1));
    const stalled = await inBatches(slowAccounts.length, 10, async (i) => {
      const client = await wsClient(port, slowAccounts[i].token, channelId, memberAddress(i + 2));
      client.ws._socket.pause();
      return client;
    });
    results.push(
      await phase('slow', pid, pinger, url, async () => {
        // The audio budget of one connection: 50 frames/s (20 ms) times SOCKET_AUDIO_RATE_FACTOR 4.
        const frame = Buffer.alloc(30 + FRAME_BYTES, 1);
        frame[0] = 1;
        frame[1] = 3;
        frame.write(channelId.replace(/-/g, ''), 2, 16, 'hex');
        let seq = 0;
        const until = performance.now() + SECONDS * 1000;
        while (performance.now() < until) {
          for (let i = 0; i < 4; i++) {
            frame.writeUInt32BE(seq++, 18);
            frame.writeDoubleBE(Date.now(), 22);
            speaker.ws.send(frame);
          }
          await sleep(20);
        }
        return { sent: seq, heardByReader: listener.heard };
      }),
    );
    for (const client of [speaker, listener, ...stalled]) client.ws.terminate();
  }

  async function floodPhase() {
    results.push(
      await phase('flood', pid, pinger, url, async () => {
        const until = performance.now() + SECONDS * 1000;
        let sent = 0;
        let connections = 0;
        let attempts = 0;
        while (performance.now() < until) {
          let socket;
          try {
            socket = await socketIo(url, flooderTokens[attempts++ % flooderTokens.length], ATTACKER_ADDRESS);
          } catch {
            await sleep(100);
            continue;
          }
          connections++;
          while (socket.connected && performance.now() < until) {
            // As fast as it can, in bursts of 50 between turns of this process's event loop: 500 emits in one go
            // took this core for milliseconds at a time, and the good client's thread shares the core, so its round
            // trips measured the attacker's own CPU (a real attacker's machine is not the good client's).
            for (let i = 0; i < FLOOD_BURST; i++) socket.emit('iceCandidate', { targetUserId: goodAccount.id, candidate: { candidate: 'x' } });
            sent += FLOOD_BURST;
            await new Promise((resolve) => setImmediate(resolve));
          }
          socket.close();
        }
        return { sent, connections };
      }),
    );
  }

  async function handshakePhase() {
    results.push(
      await phase('handshakes', pid, pinger, url, async () => {
        const until = performance.now() + SECONDS * 1000;
        const agent = new http.Agent({ keepAlive: true, maxSockets: 100, localAddress: ATTACKER_ADDRESS });
        let accepted = 0;
        let refused = 0;
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            while (performance.now() < until) {
              const status = await getStatus(`${url}/socket.io/?EIO=4&transport=polling`, agent);
              if (status === 200) accepted++;
              else refused++;
            }
          }),
        );
        agent.destroy();
        return { accepted, refused };
      }),
    );
  }
}

/** Runs one phase while sampling the service's RSS; the good client's round trips of that phase only. */
async function phase(name, pid, pinger, url, attack) {
  const before = rssMb(pid);
  const countersBefore = await counters(url);
  const cpuBefore = cpuMs(pid);
  const machineBefore = machineTimes();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  await pinger.take();
  const detail = await attack();
  clearInterval(sampler);
  const cpu = cpuMs(pid) - cpuBefore;
  const machineAfter = machineTimes();
  peak = Math.max(peak, rssMb(pid));
  const { samples, lost } = await pinger.take();
  const countersAfter = await counters(url);
  const delta = Object.fromEntries(Object.entries(countersAfter).map(([key, value]) => [key, value - (countersBefore[key] ?? 0)]));
  return {
    name,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    samples: samples.length,
    lost,
    rssGrowth: peak - before,
    cpu,
    steal: (machineAfter.steal - machineBefore.steal) / Math.max(1, machineAfter.total - machineBefore.total),
    delta,
    detail,
  };
}

/** The well-behaved client, in its own thread: `take()` hands over the round trips since the last call. */
async function startPinger(url, account) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { url, token: account.token, userId: account.id } });
  const replies = [];
  worker.on('message', (message) => replies.shift()?.(message));
  await new Promise((resolve, reject) => {
    replies.push(resolve);
    worker.once('error', reject);
  });
  // The attackers run in this thread, on the good client's core. On separate machines they would not take
  // its CPU at all; here they yield it (on Linux a thread's nice value is its own, so the worker keeps 0).
  setPriority(0, ATTACKERS_NICE);
  const ask = (command) =>
    new Promise((resolve) => {
      replies.push(resolve);
      worker.postMessage(command);
    });
  return {
    take: () => ask('take'),
    stop: async () => {
      await ask('stop');
      await worker.terminate();
    },
  };
}

async function pingerThread({ url, token, userId }) {
  const sockets = await Promise.all(Array.from({ length: GOOD_CONNECTIONS }, () => socketIo(url, token, GOOD_CLIENT_ADDRESS)));
  let samples = [];
  let lost = 0;
  const ping = (socket) => {
    const started = performance.now();
    socket
      .timeout(5000)
      .emitWithAck('register', userId)
      .then(
        () => samples.push(performance.now() - started),
        () => lost++,
      );
  };
  // The connections take turns, evenly spread over each period.
  const timers = [];
  const starts = sockets.map(
    (socket, i) =>
      new Promise((started) =>
        setTimeout(
          () => {
            timers.push(setInterval(() => ping(socket), 1000 / PING_HZ));
            started();
          },
          (i * 1000) / PING_HZ / sockets.length,
        ),
      ),
  );
  await Promise.all(starts);
  parentPort.on('message', (command) => {
    if (command === 'take') {
      parentPort.postMessage({ samples, lost });
      samples = [];
      lost = 0;
    } else {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.close();
      parentPort.postMessage('stopped');
    }
  });
  parentPort.postMessage('ready');
}

function socketIo(url, token, localAddress) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token }, timeout: 5000, localAddress });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** A /ws member of the channel that opted in to binary frames; counts the audio it reads. */
function wsClient(port, token, channelId, localAddress) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}&binary=1`, { localAddress });
    const client = { ws, heard: 0 };
    ws.on('message', (data, isBinary) => {
      if (isBinary) client.heard++;
      else if (JSON.parse(data.toString()).type === 'JoinedChannel') resolve(client);
    });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'JoinChannel', channel_id: channelId })));
  });
}

async function counters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (pattern) => {
    let total = 0;
    for (const line of text.split('\n')) if (pattern.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    return total;
  };
  return {
    audioDropped: sum(/^realtime_audio_packets_dropped_total /),
    slowDisconnects: sum(/^realtime_socket_disconnects_total\{.*reason="slow_consumer"/),
    rateDisconnects: sum(/^realtime_socket_disconnects_total\{.*reason="rate_limit"/),
    eventsRefused: sum(/^realtime_socket_events_rate_limited_total\{/),
    handshakesRefused: sum(/^realtime_socket_handshakes_refused_total\{/),
  };
}

/** User plus system CPU time of the process so far, ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The phase's service CPU time per refused event or handshake, µs; null for a phase that refuses neither. */
function perRefusal({ cpu, delta }) {
  const refused = delta.eventsRefused + delta.handshakesRefused;
  return refused > 0 ? (cpu * 1000) / refused : null;
}

/** The machine's CPU time in jiffies, all cores: in total, and stolen by the hypervisor for other machines. */
function machineTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((sum, value) => sum + value, 0), steal: fields[7] };
}

/** Each attack's p99 over that of the quiet phase just before it. */
function ratioToQuiet(results, index) {
  const result = results[index];
  const quiet = results.slice(0, index).findLast((earlier) => earlier.name === 'quiet');
  return result.name === 'quiet' || !quiet?.p99 || result.p99 === null ? null : result.p99 / quiet.p99;
}

function print(results, SLOW) {
  const fixed = (value, digits = 1) => (value === null ? 'n/a' : value.toFixed(digits));
  console.log(
    '\nphase       p50 ms  p95 ms  p99 ms  p99/quiet  lost  RSS growth MB  CPU ms  CPU µs/refusal  steal %  counted by the service (delta)      attack',
  );
  for (const [index, result] of results.entries()) {
    const ratio = ratioToQuiet(results, index);
    const counted = Object.entries(result.delta)
      .filter(([, value]) => value > 0)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    console.log(
      `${result.name.padEnd(11)} ${fixed(result.p50).padStart(6)}  ${fixed(result.p95).padStart(6)}  ${fixed(result.p99).padStart(6)}  ${fixed(ratio, 2).padStart(9)}  ${String(result.lost).padStart(4)}  ${fixed(
        result.rssGrowth,
      ).padStart(
        13,
      )}  ${String(result.cpu).padStart(6)}  ${fixed(perRefusal(result), 0).padStart(14)}  ${fixed(result.steal * 100).padStart(7)}  ${(counted || '-').padEnd(34)} ${
        result.detail ? JSON.stringify(result.detail) : ''
      }`,
    );
  }
  const slow = results.find((result) => result.name === 'slow');
  console.log(`\ntargets: RSS growth < 50 MB with ${SLOW} non-reading members: ${slow ? (slow.rssGrowth < 50 ? 'met' : 'NOT met') : 'not run'}`);
  const ratios = results.map((_, index) => ratioToQuiet(results, index)).filter((ratio) => ratio !== null);
  const worst = Math.max(...ratios);
  console.log(`         good client's p99 within 2x of quiet in every phase: ${worst <= 2 ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)}x)`);
  console.log('(figures from one run; a loaded machine moves them, and so does steal: CPU time the hypervisor gave to other machines)');
}

/** The status of a GET whose body is read and dropped; 0 when the request fails. */
function getStatus(url, agent) {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode));
        res.once('error', () => resolve(0));
      })
      .once('error', () => resolve(0));
  });
}
