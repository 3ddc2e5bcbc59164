#!/usr/bin/env node
/**
 * Auth bench: what authentication costs, against references measured in the same run.
 *
 *   npm run build && node bench/auth.mjs [--seconds 5] [--concurrency 16] [--entry dist/main.js] [--deadline 120]
 *
 * The built app runs as a child process on 127.0.0.1 with the embedded database
 * (or MONGODB_URI when set; a throwaway database name either way); this process
 * is the load (fetch with keep-alive). Measured, each for --seconds:
 *   - raw bcrypt.compare/s at the app's BCRYPT_COST (default 10), in this process,
 *     4 compares in flight (libuv's default thread pool), as the reference;
 *   - logins/s: POST /auth/login with the right password (a bcrypt compare, a
 *     session insert, a last_login update and a JWT each);
 *   - authenticated GET /auth/user req/s (JWT verify + cached session + one user read)
 *     against the app's own GET /health req/s.
 * Prints both ratios. Everything stops by itself at --deadline seconds.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcrypt';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { registerUser, serviceEntry, startService } from './lib/service.mjs';

const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const SECONDS = intOption('seconds', 5, 1, 60);
const CONCURRENCY = intOption('concurrency', 16, 1, 256);
const DEADLINE_S = intOption('deadline', 120, 10, 900);
const ENTRY = serviceEntry(textOptions(args));
const COST = Number(process.env.BCRYPT_COST ?? 10);
const PASSWORD = 'B3nch!mark-pass';

/** Runs `task` with `inFlight` concurrent loops for `seconds`; returns completed operations per second. */
async function rate(seconds, inFlight, task) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const loop = async () => {
    while (performance.now() < end) {
      if (await task()) done += 1;
      else failed += 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, loop));
  if (failed > 0) throw new Error(`${failed} operations failed`);
  return done / ((performance.now() - start) / 1000);
}

async function main() {
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

    const loginBody = JSON.stringify({ username, password: PASSWORD });
    let accessToken;
    const loginRate = await rate(SECONDS, Math.min(CONCURRENCY, 8), async () => {
      const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: loginBody });
      const body = await res.json();
      accessToken = body.accessToken;
      return res.status === 200;
    });

    const authHeaders = { Authorization: `Bearer ${accessToken}` };
    const userRate = await rate(SECONDS, CONCURRENCY, async () => {
      const res = await fetch(`${url}/auth/user`, { headers: authHeaders });
      await res.arrayBuffer();
      return res.status === 200;
    });
    const healthRate = await rate(SECONDS, CONCURRENCY, async () => {
      const res = await fetch(`${url}/health`);
      await res.arrayBuffer();
      return res.status === 200;
    });

    const fmt = (value) => value.toFixed(1).padStart(10);
    console.log(`auth bench: bcrypt cost ${COST}, ${SECONDS} s per measure, ${CONCURRENCY} requests in flight (logins: ${Math.min(CONCURRENCY, 8)})`);
    console.log(`  raw bcrypt.compare/s (4 in flight)   ${fmt(bcryptRate)}`);
    console.log(`  POST /auth/login/s                   ${fmt(loginRate)}`);
    console.log(`  GET /auth/user req/s (bearer JWT)    ${fmt(userRate)}`);
    console.log(`  GET /health req/s                    ${fmt(healthRate)}`);
    console.log(`  logins / raw bcrypt compares         ${(loginRate / bcryptRate).toFixed(2).padStart(10)}`);
    console.log(`  GET /auth/user / GET /health         ${(userRate / healthRate).toFixed(2).padStart(10)}`);
  } finally {
    await run.close();
  }
}

await main();
