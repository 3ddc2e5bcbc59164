#!/usr/bin/env node
/**
 * Auth bench: what authentication costs, against references measured in the same run.
 *
 *   npm run build && node bench/auth.mjs [--seconds 5] [--warmup 2] [--concurrency 16] [--entry dist/main.js] [--deadline 180] [--allow-load]
 *        [--cpu-requests 2000]   (requests per CPU measure; 0 skips the CPU section)
 *
 * The built app runs as a child process on 127.0.0.1 with the embedded database
 * (or MONGODB_URI when set; a throwaway database name either way); this process
 * is the load (fetch with keep-alive). Each measure first runs its own task for
 * --warmup seconds, unmeasured, so no figure includes the JIT compiling the code
 * path it exercises (measured cold, refresh rotations climbed from about 250/s to
 * 550/s over their first ten seconds). Measured, each for --seconds:
 *   - raw bcrypt.compare/s at the app's BCRYPT_COST (default 10), in this process,
 *     4 compares in flight (libuv's default thread pool), as the reference;
 *   - logins/s: POST /auth/login with the right password (a bcrypt compare, a
 *     session insert, a last_login update and a JWT each);
 *   - refresh rotations/s: POST /auth/refresh, one chain of rotations per
 *     concurrency slot (each slot its own session, each rotation spending the
 *     token the previous one returned);
 *   - authenticated GET /auth/user req/s (JWT verify + cached session + cached profile)
 *     against the app's own GET /health req/s, the two taking turns in one-second
 *     slices over --seconds each, so a drift in what the machine does meanwhile
 *     weighs on both alike.
 * Then, unless --cpu-requests 0: the CPU time (user + system, from /proc) the
 * service and its embedded database spend per request for GET /health, GET
 * /auth/user and POST /auth/refresh, over a fixed number of requests. Unlike the
 * rates, these barely depend on what else the machine is doing.
 * Prints the ratios. Everything stops by itself at --deadline seconds.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcrypt';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { requireIdleMachine } from './lib/idle.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { cpuMicros, processTree } from './lib/proc.mjs';
import { registerUser, serviceEntry, startService } from './lib/service.mjs';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const SECONDS = intOption('seconds', 5, 1, 60);
const WARMUP_SECONDS = intOption('warmup', 2, 0, 60);
const CONCURRENCY = intOption('concurrency', 16, 1, 256);
const DEADLINE_S = intOption('deadline', 180, 10, 900);
const CPU_REQUESTS = intOption('cpu-requests', 2000, 0, 1_000_000);
const ENTRY = serviceEntry(textOptions(args));
const COST = Number(process.env.BCRYPT_COST ?? 10);
const PASSWORD = 'B3nch!mark-pass';
const LOGIN_CONCURRENCY = Math.min(CONCURRENCY, 8);
/** Logins cost a bcrypt compare each: fewer of them make as steady a CPU figure. */
const LOGIN_CPU_REQUESTS = Math.max(1, Math.round(CPU_REQUESTS / 10));

/** Runs `task` with `inFlight` concurrent loops, --warmup seconds unmeasured then `seconds`; returns completed operations per second. */
async function rate(seconds, inFlight, task) {
  if (WARMUP_SECONDS > 0) await loopFor(WARMUP_SECONDS, inFlight, task);
  return loopFor(seconds, inFlight, task);
}

/** Like `rate` for several tasks, which take turns in one-second slices; returns their rates in order. */
async function interleavedRates(seconds, inFlight, tasks) {
  for (const task of tasks) if (WARMUP_SECONDS > 0) await loopFor(WARMUP_SECONDS, inFlight, task);
  const totals = tasks.map(() => 0);
  for (let slice = 0; slice < seconds; slice++) {
    for (const [i, task] of tasks.entries()) totals[i] += await loopFor(1, inFlight, task);
  }
  return totals.map((total) => total / seconds);
}

async function loopFor(seconds, inFlight, task) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const loop = async (slot) => {
    while (performance.now() < end) {
      if (await task(slot)) done += 1;
      else failed += 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, (_, slot) => loop(slot)));
  if (failed > 0) throw new Error(`${failed} operations failed`);
  return done / ((performance.now() - start) / 1000);
}

/** Runs `task` `count` times, `inFlight` at a time; resolves to the CPU microseconds the service and its database spent per call. */
async function cpuPerCall(servicePid, count, inFlight, task) {
  let next = 0;
  let failed = 0;
  const loop = async (slot) => {
    while (next < count) {
      next += 1;
      if (!(await task(slot))) failed += 1;
    }
  };
  const database = processTree(servicePid).slice(1);
  const before = { service: cpuMicros([servicePid]), database: cpuMicros(database) };
  await Promise.all(Array.from({ length: inFlight }, (_, slot) => loop(slot)));
  const service = cpuMicros([servicePid]) - before.service;
  const db = cpuMicros(database) - before.database;
  if (failed > 0) throw new Error(`${failed} operations failed`);
  return { service: service / count, database: db / count };
}

/** Runs `task` `count` times, `inFlight` at a time, in this process; resolves to the CPU microseconds this process spent per call. */
async function ownCpuPerCall(count, inFlight, task) {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        next += 1;
        await task();
      }
    }),
  );
  const used = process.cpuUsage(before);
  return { service: (used.user + used.system) / count, database: 0 };
}

async function login(url, username) {
  const res = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** One refresh chain per slot: each rotation spends the token the previous one returned. */
async function refreshChains(url, username, slots) {
  const chains = [];
  for (let slot = 0; slot < slots; slot++) chains.push((await login(url, username)).refreshToken);
  return async (slot) => {
    const res = await fetch(`${url}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: chains[slot] }),
    });
    const body = await res.json();
    if (res.status !== 200) return false;
    chains[slot] = body.refreshToken;
    return true;
  };
}

async function main() {
  await requireIdleMachine(args);
  const run = boundedRun(DEADLINE_S);
  try {
    const service = await startService(run, {
      entry: ENTRY,
      tempPrefix: 'bench-auth-',
      // Inherits MONGODB_URI when set; a throwaway database name either way.
      env: {
        ...process.env,
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
        MONGODB_DB: `bench_auth_${Date.now()}`,
        BCRYPT_COST: String(COST),
      },
    });
    const { url } = service;
    const username = `bench_${randomBytes(4).toString('hex')}`;
    await registerUser(url, username, PASSWORD);

    const hash = await bcrypt.hash(PASSWORD, COST);
    const bcryptRate = await rate(SECONDS, 4, () => bcrypt.compare(PASSWORD, hash));

    let accessToken;
    const loginRate = await rate(SECONDS, LOGIN_CONCURRENCY, async () => {
      accessToken = (await login(url, username)).accessToken;
      return true;
    });

    const refreshRate = await rate(SECONDS, CONCURRENCY, await refreshChains(url, username, CONCURRENCY));

    const authHeaders = { Authorization: `Bearer ${accessToken}` };
    const getUser = async () => {
      const res = await fetch(`${url}/auth/user`, { headers: authHeaders });
      await res.arrayBuffer();
      return res.status === 200;
    };
    const getHealth = async () => {
      const res = await fetch(`${url}/health`);
      await res.arrayBuffer();
      return res.status === 200;
    };
    const [userRate, healthRate] = await interleavedRates(SECONDS, CONCURRENCY, [getUser, getHealth]);

    const fmt = (value) => value.toFixed(1).padStart(10);
    console.log(`auth bench: bcrypt cost ${COST}, ${SECONDS} s per measure, ${CONCURRENCY} requests in flight (logins: ${LOGIN_CONCURRENCY})`);
    console.log(`  raw bcrypt.compare/s (4 in flight)   ${fmt(bcryptRate)}`);
    console.log(`  POST /auth/login/s                   ${fmt(loginRate)}`);
    console.log(`  POST /auth/refresh rotations/s       ${fmt(refreshRate)}`);
    console.log(`  GET /auth/user req/s (bearer JWT)    ${fmt(userRate)}`);
    console.log(`  GET /health req/s                    ${fmt(healthRate)}`);
    console.log(`  logins / raw bcrypt compares         ${(loginRate / bcryptRate).toFixed(2).padStart(10)}`);
    console.log(`  GET /auth/user / GET /health         ${(userRate / healthRate).toFixed(2).padStart(10)}`);

    if (CPU_REQUESTS > 0 && existsSync(`/proc/${service.pid}/stat`)) {
      const measures = [
        ['GET /health', await cpuPerCall(service.pid, CPU_REQUESTS, CONCURRENCY, getHealth)],
        ['GET /auth/user', await cpuPerCall(service.pid, CPU_REQUESTS, CONCURRENCY, getUser)],
        ['POST /auth/refresh', await cpuPerCall(service.pid, CPU_REQUESTS, CONCURRENCY, await refreshChains(url, username, CONCURRENCY))],
        [
          `POST /auth/login (${LOGIN_CPU_REQUESTS} requests)`,
          await cpuPerCall(service.pid, LOGIN_CPU_REQUESTS, LOGIN_CONCURRENCY, () => login(url, username).then(() => true)),
        ],
        [`raw bcrypt.compare (${LOGIN_CPU_REQUESTS}, this process)`, await ownCpuPerCall(LOGIN_CPU_REQUESTS, 4, () => bcrypt.compare(PASSWORD, hash))],
      ];
      console.log(`CPU µs per request (${CPU_REQUESTS} requests each)  service   database`);
      for (const [name, cpu] of measures) console.log(`  ${name.padEnd(35)}${fmt(cpu.service)}${fmt(cpu.database)}`);
    }
  } finally {
    await run.close();
  }
}

await main();
