#!/usr/bin/env node
/**
 * Voice relay load bench: the service's /voice (Socket.IO) and /ws (binary
 * fast path) against a bare Socket.IO room relay, in one run.
 *
 *   npm run build && node bench/voice.mjs [--channels 50] [--members 5] [--seconds 10]
 *        [--bytes 160] [--pps 50] [--transports voice,ws] [--entry dist/main.js] [--deadline 600]
 *        [--cpu-prof <dir>]
 *        [--allow-load]   (run even when the machine is busy; the figures are then marked as not comparable)
 *
 * Servers run as child processes on 127.0.0.1; this process is the load. C
 * channels × M members, every member a speaker sending `bytes`-byte frames at
 * `pps` packets/s for T seconds, each frame carrying its send time; every
 * other member of the channel must receive it. Reported per server:
 * deliveries/s, loss (1 − delivered / expected), p50/p99/max latency from send
 * to receipt (same clock: one load process), and the server's CPU (utime +
 * stime from /proc/<pid>/stat over the sending window, % of one core).
 * The bare relay joins rooms and re-emits to the room: nothing else (no auth,
 * membership checks, validation, statistics or metrics). CPU per 1,000
 * deliveries is the figure that holds on a loaded machine; with --cpu-prof the
 * service writes a V8 CPU profile into <dir> when it stops.
 * Everything stops by itself at --deadline seconds.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { requireIdleMachine } from './lib/idle.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { inBatches } from './lib/pool.mjs';
import { bareSocketIo, serveReference, startReference } from './lib/reference.mjs';
import { newAccount, serviceEntry, startService } from './lib/service.mjs';
import { createChannel, measure, voiceClient, wsClient } from './lib/voice-load.mjs';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const textOption = textOptions(args);
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
  const cpuProfDir = textOption('cpu-prof', '');
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(cpuProfDir)] : [];
  if (TRANSPORTS.some((name) => name !== 'voice' && name !== 'ws')) {
    console.error('--transports is a comma-separated list of voice and ws');
    process.exit(2);
  }

  await requireIdleMachine(args);
  const run = boundedRun(DEADLINE_S);

  const speakers = C * M;
  console.log(`voice bench: ${C} channels × ${M} members = ${speakers} speakers, ${BYTES}-byte frames at ${PPS}/s for ${T}s\n`);
  const results = {};
  try {
    const service = await startService(run, { entry, tempPrefix: 'voice-bench-', healthMs: 90_000, nodeArgs });
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

function report(results) {
  console.log('\n| server | sent | delivered/s | loss | p50 ms | p99 ms | max ms | server CPU % | CPU ms / 1k deliveries |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of Object.values(results)) {
    console.log(
      `| ${r.name} | ${r.sent} | ${r.deliveredPerSecond.toFixed(0)} | ${(r.loss * 100).toFixed(3)}% | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.cpuPercent.toFixed(1)} | ${cpuPerThousand(r).toFixed(2)} |`,
    );
  }
  const { bare } = results;
  console.log('\nratios to the bare relay (service / bare):');
  for (const key of ['voice', 'ws']) {
    const r = results[key];
    if (!r) continue;
    console.log(
      `  ${r.name}: throughput ${(r.deliveredPerSecond / bare.deliveredPerSecond).toFixed(3)}, p99 ${(r.p99 / bare.p99).toFixed(2)}, CPU ${(r.cpuPercent / bare.cpuPercent).toFixed(2)}, CPU per delivery ${(cpuPerThousand(r) / cpuPerThousand(bare)).toFixed(2)}`,
    );
  }
}

/** Server CPU time (ms) per 1,000 deliveries over the sending window. */
function cpuPerThousand(r) {
  return r.deliveredPerSecond === 0 ? 0 : (r.cpuPercent / 100 / r.deliveredPerSecond) * 1e6;
}
