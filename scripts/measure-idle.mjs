#!/usr/bin/env node
// Measures what an idle service costs its embedded database: starts the built service
// (dist/main.js) on a scratch DATA_DIR, stores USERS users with one live session each (and their
// usernames / session_tokens rows), connects SOCKETS of them over socket.io with their session
// tokens, lets it settle, then reads the embedded FerretDB's CPU time from /proc over
// IDLE_SECONDS while nobody does anything. Periodic jobs that scan whole collections show here.
//
// Usage: npm run build && node scripts/measure-idle.mjs [users=1000] [sockets=200] [idle seconds=30]
//        (FERRETDB_BIN selects another FerretDB binary, as for the service)
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { io } from 'socket.io-client';
import { cpuMsOf } from './start-ferretdb.mjs';

const USERS = Number(process.argv[2] ?? 1000);
const SOCKETS = Math.min(USERS, Number(process.argv[3] ?? 200));
const IDLE_SECONDS = Number(process.argv[4] ?? 30);
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

const dataDir = mkdtempSync(join(tmpdir(), 'measure-idle-'));
const port = await freePort();
// The embedded database, one instance: no MONGODB_URI, no REDIS_URL.
const inherited = { ...process.env };
delete inherited.MONGODB_URI;
delete inherited.REDIS_URL;
const service = spawn(process.execPath, ['dist/main.js'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...inherited,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    DATA_DIR: dataDir,
    JWT_SECRET: 'measure-idle-jwt-signing-key-0123456789abcdef',
    SERVICE_API_KEY: 'measure-idle-service-api-key-0123456789',
    THROTTLE_LIMIT: '1000000',
    AUTH_THROTTLE_LIMIT: '1000000',
    HANDSHAKE_RATE_PER_IP: '100000',
    HANDSHAKE_BURST_PER_IP: '100000',
  },
});
const url = `http://127.0.0.1:${port}`;
try {
  await until(async () => (await fetch(`${url}/health`)).ok, 120_000);
  const lock = JSON.parse(readFileSync(join(dataDir, 'embedded-database.lock'), 'utf8'));
  const ferretPid = lock.database.pid;
  const client = await MongoClient.connect(lock.uri);
  const db = client.db('realtime');

  const now = new Date();
  const expires = new Date(now.getTime() + 86400_000);
  const tokens = [];
  for (let start = 0; start < USERS; start += 500) {
    const users = [];
    const sessions = [];
    for (let i = start; i < Math.min(USERS, start + 500); i++) {
      const id = randomUUID();
      const token = randomUUID();
      tokens.push(token);
      users.push({
        _id: id,
        username: `idle${i}`,
        username_key: `idle${i}`,
        email: null,
        email_key: `~${id}`,
        display_name: `Idle ${i}`,
        password_hash: null,
        score: 0,
        role: 'user',
        is_active: true,
        last_login: null,
        username_claimed: true,
        created_at: now,
        updated_at: now,
      });
      sessions.push({
        _id: randomUUID(),
        user_id: id,
        token_hash: sha256(token),
        refresh_hash: sha256(randomUUID()),
        previous_refresh_hash: null,
        rotated_at: null,
        refresh_generation: 0,
        ip: null,
        user_agent: null,
        created_at: now,
        last_used_at: now,
        expires_at: expires,
        revoked_at: null,
        revoked_reason: null,
        token_keyed: true,
      });
    }
    await db.collection('users').insertMany(users);
    await db.collection('usernames').insertMany(users.map((user) => ({ _id: user.username_key, user_id: user._id, claimed_at: now })));
    await db.collection('sessions').insertMany(sessions);
    await db.collection('session_tokens').insertMany(sessions.map((session) => ({ _id: session.token_hash, session_id: session._id, expires_at: expires })));
  }
  await client.close();

  const connectCpuBefore = cpuMsOf(ferretPid);
  const sockets = [];
  for (let i = 0; i < SOCKETS; i++) {
    const socket = io(url, { auth: { sessionToken: tokens[i] }, transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    sockets.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 10_000)); // the connections' own writes settle
  const connectMs = cpuMsOf(ferretPid) - connectCpuBefore;

  const ferretBefore = cpuMsOf(ferretPid);
  const serviceBefore = cpuMsOf(service.pid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const ferretMs = cpuMsOf(ferretPid) - ferretBefore;
  const serviceMs = cpuMsOf(service.pid) - serviceBefore;
  for (const socket of sockets) socket.close();

  const percent = (ms) => ((ms / (IDLE_SECONDS * 1000)) * 100).toFixed(2);
  console.log(`${USERS} users and sessions stored, ${SOCKETS} sockets connected, idle ${IDLE_SECONDS} s`);
  console.log(`FerretDB CPU to connect the sockets (and 10 s after): ${connectMs} ms (${(connectMs / SOCKETS).toFixed(2)} ms per socket)`);
  console.log(`FerretDB CPU while idle: ${ferretMs} ms (${percent(ferretMs)} % of one core)`);
  console.log(`service CPU while idle: ${serviceMs} ms (${percent(serviceMs)} % of one core)`);
} finally {
  service.kill('SIGTERM');
  await new Promise((resolve) => service.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function until(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`the service did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
