import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { sleep } from './net.mjs';
import { inBatches } from './pool.mjs';

/*
 * The realtime load of bench/realtime.mjs and bench/cluster.mjs: N sockets over
 * U users; direct messages through REST and signaling relays between call
 * parties, counted and timed on the load's one clock.
 */

/**
 * Logs U users in, connects N sockets, then times direct messages (REST) and
 * signaling relays. `pid` is one process id or several (RSS added up);
 * `socketUrl(i)` and `restUrl(i)` spread sockets and requests over several
 * instances (default: all on `url`).
 */
export async function measure({ name, url, pid, N, U, MESSAGES, RELAYS, serviceHeaders, login, call, socketUrl = () => url, restUrl = () => url }) {
  ensureFileDescriptors(N);
  process.stdout.write(`${name}: logging in ${U} users… `);
  const users = await inBatches(U, 8, login);
  console.log('done');

  await sleep(1000);
  const rssBefore = rssOf(pid);
  const cpuBefore = cpuOf(pid);
  process.stdout.write(`${name}: connecting ${N} sockets… `);
  const sockets = new Array(N);
  const connectTimes = [];
  const connectStart = performance.now();
  await inBatches(N, 100, async (i) => {
    const user = users[i % U];
    const started = performance.now();
    sockets[i] = await connect(socketUrl(i), user.token);
    connectTimes.push(performance.now() - started);
  });
  const connectWall = performance.now() - connectStart;
  // Read before the pause: CPU the servers spent on the handshakes and presence, whatever else loads the machine.
  const connectCpu = cpuOf(pid) - cpuBefore;
  await sleep(2000);
  const rssAfter = rssOf(pid);
  console.log(`${(connectWall / 1000).toFixed(2)} s`);

  // Socket i belongs to user i % U: the sockets of user u are u, u+U, u+2U… (listed once: at 10,000 sockets a
  // filter per message would cost the load more than the server).
  const byUser = range(U).map(() => []);
  sockets.forEach((socket, i) => byUser[i % U].push(socket));
  const socketsOf = (u) => byUser[u];

  /* direct messages through REST */
  process.stdout.write(`${name}: ${MESSAGES} direct messages… `);
  const dmLatencies = [];
  let dmDeliveries = 0;
  const onMessage = ({ message }) => {
    dmLatencies.push(performance.now() - Number(message));
    dmDeliveries++;
  };
  for (const socket of sockets) socket.on('message', onMessage);
  const dmExpected = range(MESSAGES).reduce((sum, i) => sum + socketsOf(i % U).length, 0);
  const dmStart = performance.now();
  await inBatches(MESSAGES, 50, async (i) => {
    const target = users[i % U];
    const res = await fetch(`${restUrl(i)}/api/users/${target.id}/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...serviceHeaders },
      body: JSON.stringify({ message: String(performance.now()) }),
    });
    if (res.status !== 200) throw new Error(`message: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  });
  await until(() => dmDeliveries >= dmExpected, 30_000);
  const dmWall = performance.now() - dmStart;
  for (const socket of sockets) socket.off('message', onMessage);
  console.log(`${(dmWall / 1000).toFixed(2)} s`);

  /* signaling relay between call parties */
  const pairs = range(U / 2).map((p) => ({ caller: 2 * p, callee: 2 * p + 1 }));
  if (call) {
    await Promise.all(
      pairs.map(async ({ caller, callee }) => {
        const ringing = once(sockets[callee], 'incomingCall');
        const ack = await sockets[caller].timeout(5000).emitWithAck('callUser', { targetUserId: users[callee].id, signalData: { type: 'offer', sdp: 'v=0' } });
        if (!ack.ok) throw new Error(`callUser: ${JSON.stringify(ack)}`);
        await ringing;
        const answered = await sockets[callee]
          .timeout(5000)
          .emitWithAck('answerCall', { targetUserId: users[caller].id, signalData: { type: 'answer', sdp: 'v=0' } });
        if (!answered.ok) throw new Error(`answerCall: ${JSON.stringify(answered)}`);
      }),
    );
  }
  process.stdout.write(`${name}: ${RELAYS} signaling relays… `);
  const relayLatencies = [];
  let relayDeliveries = 0;
  const perPair = Math.ceil(RELAYS / pairs.length);
  const WINDOW = 32;
  const relayStart = performance.now();
  await Promise.all(
    pairs.map(({ caller, callee }) => {
      const sender = sockets[caller];
      const receivers = socketsOf(callee);
      const target = users[callee].id;
      let sent = 0;
      let receivedByFirst = 0;
      return new Promise((done) => {
        const pump = () => {
          while (sent < perPair && sent - receivedByFirst < WINDOW) {
            sent++;
            sender.emit('iceCandidate', {
              targetUserId: target,
              candidate: { candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 9 typ host', t: performance.now() },
            });
          }
        };
        receivers.forEach((socket, index) =>
          socket.on('iceCandidate', ({ candidate }) => {
            relayLatencies.push(performance.now() - candidate.t);
            relayDeliveries++;
            if (index !== 0) return;
            receivedByFirst++;
            if (receivedByFirst === perPair) done();
            else pump();
          }),
        );
        pump();
      });
    }),
  );
  const relayExpected = pairs.reduce((sum, { callee }) => sum + perPair * socketsOf(callee).length, 0);
  await until(() => relayDeliveries >= relayExpected, 30_000);
  const relayWall = performance.now() - relayStart;
  console.log(`${(relayWall / 1000).toFixed(2)} s\n`);

  for (const socket of sockets) socket.close();
  return {
    connectWallS: connectWall / 1000,
    connectP50: percentile(connectTimes, 50),
    connectP99: percentile(connectTimes, 99),
    connectCpuMs: connectCpu,
    memoryPerConnectionKb: (rssAfter - rssBefore) / N / 1024,
    dmPerSecond: dmDeliveries / (dmWall / 1000),
    dmRequestsPerSecond: MESSAGES / (dmWall / 1000),
    dmP50: percentile(dmLatencies, 50),
    dmP99: percentile(dmLatencies, 99),
    relayPerSecond: relayDeliveries / (relayWall / 1000),
    relayP50: percentile(relayLatencies, 50),
    relayP99: percentile(relayLatencies, 99),
  };
}

/**
 * The load holds N client sockets and each server as many: a soft limit on open files below that would
 * fail the run midway with EMFILE, so it is refused up front (the children inherit this process's limit).
 */
function ensureFileDescriptors(N) {
  let limit;
  try {
    limit = Number(/Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1]);
  } catch {
    return; // Not Linux: the run finds out by itself.
  }
  const needed = N + 512;
  if (Number.isFinite(limit) && limit < needed) {
    throw new Error(`${N} sockets need about ${needed} open files per process; the limit is ${limit}: raise it first (ulimit -n ${needed})`);
  }
}

function connect(url, token) {
  return new Promise((resolveSocket, reject) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token }, timeout: 20_000 });
    socket.once('connect', () => resolveSocket(socket));
    socket.once('connect_error', (error) => reject(new Error(`connect_error: ${error.message}`)));
  });
}

function once(socket, event) {
  return new Promise((resolveEvent) => socket.once(event, resolveEvent));
}

function rssOfOne(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** CPU time (user + system) of processes (one pid or several) so far, ms; /proc counts in clock ticks (100 Hz on Linux). */
function cpuOf(pids) {
  return [].concat(pids).reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) * 10;
  }, 0);
}

/** RSS of processes (one pid or several), bytes. */
function rssOf(pids) {
  return [].concat(pids).reduce((sum, pid) => sum + rssOfOne(pid), 0);
}

async function until(predicate, ms) {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error('timed out waiting for deliveries');
    await sleep(10);
  }
}

export function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}
