#!/usr/bin/env node
/**
 * What one refusal costs the service, in CPU time (not wall time, so a busy
 * machine moves it far less than round trips): a fixed workload, the service's
 * user+system CPU from /proc/<pid>/stat around it.
 *
 *   npm run build && node bench/refusal-cost.mjs [--rounds 40] [--burst 500] [--handshakes 4000]
 *        [--entry dist/main.js] [--deadline 600] [--cpu-prof DIR]
 *
 *   events      --rounds times: a Socket.IO connection (websocket) sends --burst
 *               `iceCandidate`s in one go and waits to be disconnected as a
 *               persistent offender (the default budgets: 60 accepted, 100
 *               refused, the rest ignored). Printed: CPU per round, per refusal.
 *   handshakes  with the per-IP budget spent, --handshakes polling handshakes
 *               (10 at a time, keep-alive) that are all refused; CPU per refusal.
 * Compare two builds with --entry on the same machine, runs interleaved.
 */
import { readFileSync } from 'node:fs';
import { io } from 'socket.io-client';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { sleep } from './lib/net.mjs';
import { newAccount, serviceEntry, startService } from './lib/service.mjs';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const ROUNDS = intOption('rounds', 40, 1, 10_000);
const BURST = intOption('burst', 500, 1, 100_000);
const HANDSHAKES = intOption('handshakes', 4000, 1, 1_000_000);
const run = boundedRun(intOption('deadline', 600, 30, 3600));
try {
  const service = await startService(run, {
    entry: serviceEntry(textOptions(args)),
    tempPrefix: 'refusal-cost-',
    nodeArgs: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [],
    // The production event limits; handshakes: enough for the rounds, then a budget that refills slowly.
    env: {
      HANDSHAKE_RATE_PER_IP: '1',
      HANDSHAKE_BURST_PER_IP: String(ROUNDS + 10),
      // The cost of writing a refusal, not of holding it.
      HANDSHAKE_REFUSAL_DELAY_MS: '0',
      SOCKET_SIGNALING_RATE: '20',
      SOCKET_SIGNALING_BURST: '60',
      SOCKET_MESSAGING_RATE: '10',
      SOCKET_MESSAGING_BURST: '30',
      // Every round reconnects the same session right after it was cut off for flooding.
      SOCKET_OFFENDER_COOLDOWN_MS: '0',
    },
  });
  const { url, pid } = service;
  const [flooder, target] = [await newAccount(url, 'cost', 0), await newAccount(url, 'cost', 1)];
  await sleep(1000);

  let cpu = cpuMs(pid);
  let refused = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const socket = await connect(url, flooder.token);
    let errors = 0;
    socket.on('error', () => errors++);
    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    for (let i = 0; i < BURST; i++) socket.emit('iceCandidate', { targetUserId: target.id, candidate: { candidate: `candidate:${i}` } });
    await gone;
    socket.close();
    refused += errors;
  }
  const eventsCpu = cpuMs(pid) - cpu;

  // Spend what is left of the handshake budget, then only refusals.
  while ((await fetch(`${url}/socket.io/?EIO=4&transport=polling`).then((res) => res.arrayBuffer().then(() => res.status))) === 200);
  cpu = cpuMs(pid);
  let statuses = {};
  let left = HANDSHAKES;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (left-- > 0) {
        const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const handshakeCpu = cpuMs(pid) - cpu;

  console.log(
    `events: ${ROUNDS} rounds of ${BURST}, ${refused} error events (refusals and the accepted candidates' PERMISSION_DENIED); CPU ${eventsCpu} ms: ${(eventsCpu / ROUNDS).toFixed(2)} ms per round, ${((eventsCpu * 1000) / Math.max(1, refused)).toFixed(0)} µs per error event`,
  );
  console.log(
    `handshakes: ${HANDSHAKES} (${JSON.stringify(statuses)}); CPU ${handshakeCpu} ms: ${((handshakeCpu * 1000) / HANDSHAKES).toFixed(0)} µs per refused handshake`,
  );
} finally {
  await run.close();
}

function connect(url, token) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token }, timeout: 5000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** User plus system CPU time of the process so far, ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
