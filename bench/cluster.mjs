#!/usr/bin/env node
/**
 * Scale-out bench: the realtime and voice figures of bench/realtime.mjs and
 * bench/voice.mjs with two instances sharing Redis and one database, clients
 * split across the instances, beside one instance (no Redis) in the same run.
 *
 *   npm run build && node bench/cluster.mjs [--sockets 400] [--users 40] [--messages 1000] [--relays 20000]
 *        [--channels 20] [--members 4] [--seconds 8] [--bytes 160] [--pps 50] [--entry dist/main.js] [--deadline 900]
 *        [--allow-load]   (run even when the machine is busy; the figures are then marked as not comparable)
 *
 * Everything runs on 127.0.0.1 as children of this process: a redis-server
 * (on PATH; Debian package redis-server), one embedded database (FerretDB from
 * `npm run db:install`) that every instance shares through MONGODB_URI, and
 * the built service. The single instance is the baseline. In the cluster,
 * sockets of a user and members of a channel alternate between the two
 * instances, so a voice packet reaches some recipients on its sender's
 * instance (local) and the others through Redis (cross): both are reported
 * apart, which is what a cross-instance packet costs over a local one. CPU is
 * the sum of the instances (and redis-server) over the sending window.
 * Printed: cluster / single ratios, against the targets cross-instance relay
 * throughput ≥ 0.7 of single and p99 within 2x.
 * Everything stops by itself at --deadline seconds.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { requireIdleMachine } from './lib/idle.mjs';
import { boundedRun, stopChild } from './lib/lifetime.mjs';
import { freePort, sleep } from './lib/net.mjs';
import { inBatches } from './lib/pool.mjs';
import { measure as measureRealtime } from './lib/realtime-load.mjs';
import { newAccount, ROOT, serviceEntry, startService } from './lib/service.mjs';
import { createChannel, measure as measureVoice, voiceClient, wsClient } from './lib/voice-load.mjs';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const textOption = textOptions(args);

const N = intOption('sockets', 400, 2, 10_000);
const U = intOption('users', 40, 4, N);
const MESSAGES = intOption('messages', 1000, 1, 1_000_000);
const RELAYS = intOption('relays', 20_000, 1, 10_000_000);
const C = intOption('channels', 20, 1, 1000);
const M = intOption('members', 4, 2, 100);
const T = intOption('seconds', 8, 1, 300);
const BYTES = intOption('bytes', 160, 1, 16384);
const PPS = intOption('pps', 50, 1, 1000);
const DEADLINE_S = intOption('deadline', 900, 60, 3600);
const entry = serviceEntry(textOption);
if (U % 4 !== 0) {
  console.error('--users must be a multiple of 4 (call pairs on both instances)');
  process.exit(2);
}

await requireIdleMachine(args);
const run = boundedRun(DEADLINE_S);
console.log(
  `cluster bench: realtime ${N} sockets over ${U} users, ${MESSAGES} messages, ${RELAYS} relays; ` +
    `voice ${C} channels × ${M} members, ${BYTES}-byte frames at ${PPS}/s for ${T}s\n`,
);

const results = { single: {}, cluster: {} };
try {
  const database = await startDatabase();
  const redis = await startRedis();
  const shared = { MONGODB_URI: database.uri, JWT_SECRET: randomBytes(32).toString('hex'), SERVICE_API_KEY: randomBytes(24).toString('hex') };
  const serviceHeaders = { 'X-API-Key': shared.SERVICE_API_KEY };

  // One instance, no Redis: the deployment a single process serves.
  const single = await startService(run, { entry, tempPrefix: 'cluster-bench-single-', env: { ...shared, MONGODB_DB: 'bench_single' } });
  results.single = await measureBoth('one instance', [single], [single.pid], serviceHeaders);
  await single.stop();

  const env = { ...shared, MONGODB_DB: 'bench_cluster', REDIS_URL: redis.url };
  const instances = [];
  for (const id of ['b0', 'b1']) instances.push(await startService(run, { entry, tempPrefix: `cluster-bench-${id}-`, env: { ...env, INSTANCE_ID: id } }));
  results.cluster = await measureBoth('two instances + Redis', instances, [...instances.map((instance) => instance.pid), redis.pid], serviceHeaders);
  await Promise.all(instances.map((instance) => instance.stop()));
} finally {
  await run.close();
}
report(results);
process.exit(0);

/** The realtime and voice loads against `instances` (sockets, requests and channel members alternating between them). */
async function measureBoth(label, instances, pids, serviceHeaders) {
  const at = (i) => instances[i % instances.length];
  // Socket i belongs to user i % U; shifting by the row puts each user's sockets on every instance.
  const socketUrl = (i) => at(Math.floor(i / U) + (i % U)).url;
  const realtime = await measureRealtime({
    name: `${label}, realtime`,
    url: instances[0].url,
    pid: pids,
    N,
    U,
    MESSAGES,
    RELAYS,
    serviceHeaders,
    login: (i) => newAccount(at(i).url, 'cb', i),
    call: true,
    socketUrl,
    restUrl: (i) => at(i + 1).url,
  });

  process.stdout.write(`${label}: creating ${C * M} accounts and ${C} channels… `);
  const users = await inBatches(C * M, 8, (i) => newAccount(at(i).url, 'cbv', i));
  const channels = await inBatches(C, 8, (c) => createChannel(at(c).url, users[c * M].token, M));
  console.log('done');
  // Member i of every channel on instance i % 2: a delivery is local when sender and receiver share an instance.
  const instanceOfUser = new Map(users.map((user, i) => [user.id, i % instances.length]));
  const classify = (receiver, senderId) => (instanceOfUser.get(senderId) === receiver % instances.length ? 'local' : 'cross');
  const voice = {};
  for (const transport of ['voice', 'ws']) {
    voice[transport] = await measureVoice({
      name: `${label}, ${transport === 'voice' ? '/voice' : '/ws'}`,
      pid: pids,
      C,
      M,
      T,
      BYTES,
      PPS,
      connect: (i) => (transport === 'voice' ? voiceClient(at(i).url, users[i]) : wsClient(at(i).port, users[i])),
      channelOf: (c) => channels[c],
      classify,
    });
  }
  return { realtime, voice };
}

function report({ single, cluster }) {
  const pad = (text, width) => String(text).padStart(width);
  const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  console.log(`\n${'figure'.padEnd(40)}${pad('one', 12)}${pad('two+Redis', 12)}${pad('two/one', 10)}`);
  const rows = [
    ['connect N sockets (s)', (r) => r.realtime.connectWallS, 2],
    ['connect p99 (ms)', (r) => r.realtime.connectP99, 2],
    ['direct messages: deliveries/s', (r) => r.realtime.dmPerSecond, 0],
    ['direct message p99 (ms)', (r) => r.realtime.dmP99, 2],
    ['signaling relay: deliveries/s', (r) => r.realtime.relayPerSecond, 0],
    ['signaling relay p99 (ms)', (r) => r.realtime.relayP99, 2],
  ];
  for (const transport of ['voice', 'ws']) {
    rows.push(
      [`${transport}: audio deliveries/s`, (r) => r.voice[transport].deliveredPerSecond, 0],
      [`${transport}: audio loss %`, (r) => r.voice[transport].loss * 100, 3],
      [`${transport}: audio p50 (ms)`, (r) => r.voice[transport].p50, 2],
      [`${transport}: audio p99 (ms)`, (r) => r.voice[transport].p99, 2],
      [`${transport}: server CPU % (sum)`, (r) => r.voice[transport].cpuPercent, 1],
    );
  }
  for (const [label, get, digits] of rows)
    console.log(
      `${label.padEnd(40)}${pad(get(single).toFixed(digits), 12)}${pad(get(cluster).toFixed(digits), 12)}${pad(ratio(get(cluster), get(single)), 10)}`,
    );

  console.log('\ncross-instance vs local audio packets in the cluster (same run, same senders):');
  for (const transport of ['voice', 'ws']) {
    const { local, cross } = cluster.voice[transport].byClass;
    if (!local || !cross) continue;
    console.log(
      `  ${transport}: local ${local.delivered} deliveries p50 ${local.p50.toFixed(2)} ms p99 ${local.p99.toFixed(2)} ms; ` +
        `cross ${cross.delivered} deliveries p50 ${cross.p50.toFixed(2)} ms p99 ${cross.p99.toFixed(2)} ms; ` +
        `cross − local: p50 +${(cross.p50 - local.p50).toFixed(2)} ms, p99 +${(cross.p99 - local.p99).toFixed(2)} ms`,
    );
  }
  console.log('\ntargets (cluster against one instance):');
  for (const transport of ['voice', 'ws']) {
    const one = single.voice[transport];
    const two = cluster.voice[transport];
    const throughput = two.deliveredPerSecond / one.deliveredPerSecond;
    const p99 = two.p99 / one.p99;
    console.log(
      `  ${transport}: relay throughput ${throughput.toFixed(2)} of one instance (target ≥ 0.7: ${throughput >= 0.7 ? 'met' : 'NOT met'}); ` +
        `p99 ${p99.toFixed(2)}x (target ≤ 2x: ${p99 <= 2 ? 'met' : 'NOT met'})`,
    );
  }
}

/** FerretDB on a free loopback port in a folder of this run; every instance gets its URI. */
async function startDatabase() {
  const binary = process.env.FERRETDB_BIN || join(ROOT, '.cache', 'bin', 'ferretdb');
  if (!existsSync(binary)) {
    console.error(`${binary} not found: run \`npm run db:install\` first`);
    process.exit(2);
  }
  const dir = run.tempDir('cluster-bench-db-');
  const port = await freePort();
  const child = run.spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  await untilListening(port, child);
  return { uri: `mongodb://127.0.0.1:${port}/`, stop: () => stopChild(child) };
}

async function startRedis() {
  const port = await freePort();
  let child;
  try {
    child = run.spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise((resolveSpawn, reject) => child.once('spawn', resolveSpawn).once('error', reject));
  } catch {
    console.error('redis-server not found: install it (Debian: apt-get install -y redis-server)');
    process.exit(2);
  }
  await untilListening(port, child);
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid };
}

async function untilListening(port, child) {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode}`);
    const open = await new Promise((resolveProbe) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolveProbe(true);
      });
      socket.once('error', () => resolveProbe(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listening on ${port} within 15 s`);
}
