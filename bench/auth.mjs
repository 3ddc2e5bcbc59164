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
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcrypt';
import { integerOptions, parseArgs } from './lib/cli.mjs';
import { freePort, waitHealthy } from './lib/net.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = parseArgs(process.argv.slice(2));
const intOption = integerOptions(args);
const SECONDS = intOption('seconds', 5, 1, 60);
const CONCURRENCY = intOption('concurrency', 16, 1, 256);
const DEADLINE_S = intOption('deadline', 120, 10, 900);
const ENTRY = resolve(ROOT, typeof args.entry === 'string' ? args.entry : 'dist/main.js');
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
  if (!existsSync(ENTRY)) {
    console.error(`${ENTRY} not found: run \`npm run build\` first`);
    process.exit(2);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-auth-'));
  const child = spawn(process.execPath, [ENTRY], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      FERRETDB_BIN: process.env.FERRETDB_BIN || join(ROOT, '.cache', 'bin', 'ferretdb'),
      MONGODB_DB: `bench_auth_${Date.now()}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      BCRYPT_COST: String(COST),
      THROTTLE_LIMIT: '100000000',
      AUTH_THROTTLE_LIMIT: '100000000',
      SWAGGER_ENABLED: 'false',
    },
  });
  const killer = setTimeout(() => {
    console.error(`deadline of ${DEADLINE_S} s reached; stopping`);
    child.kill('SIGKILL');
    process.exit(1);
  }, DEADLINE_S * 1000);
  killer.unref();

  try {
    await waitHealthy(`${url}/health`, child, 60_000);
    const username = `bench_${randomBytes(4).toString('hex')}`;
    const created = await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    if (created.status !== 201) throw new Error(`creating the bench user: ${created.status} ${await created.text()}`);

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
    child.kill('SIGTERM');
    await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
    rmSync(dataDir, { recursive: true, force: true });
    clearTimeout(killer);
  }
}

await main();
