import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './lifetime.mjs';
import { freePort, postJson, waitHealthy } from './net.mjs';

/** The project folder: the service runs from here whatever the bench's working directory. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The built service to run: --entry, relative to the project, dist/main.js unless told. */
export function serviceEntry(textOption) {
  return resolve(ROOT, textOption('entry', 'dist/main.js'));
}

/**
 * Starts the built service as a child of `run` on 127.0.0.1, with the embedded
 * database (FerretDB, which the service starts and stops itself) in a fresh
 * temporary folder, and waits for its /health.
 *   env       what differs between benches (NODE_ENV, LOG_LEVEL, keys…), over a clean
 *             environment (PATH only, production, LOG_LEVEL warn); pass
 *             `{ ...process.env }` to inherit MONGODB_URI and the like;
 *   nodeArgs  node flags before the entry (--cpu-prof…).
 * Resolves to { url, port, pid, stop() }, stop resolving to the exit code.
 */
export async function startService(run, { entry, tempPrefix, env = {}, nodeArgs = [], healthMs = 60_000 }) {
  if (!existsSync(entry)) {
    console.error(`${entry} not found: run \`npm run build\` first`);
    process.exit(2);
  }
  const dataDir = run.tempDir(tempPrefix);
  // The service listens where PORT says and does not report the port it got, so
  // with PORT=0 the bench could not find it: take a free port and hand it over.
  const port = await freePort();
  const child = run.spawn(process.execPath, [...nodeArgs, entry], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      // Lets --entry point at a build outside the project (node_modules still resolve).
      NODE_PATH: join(ROOT, 'node_modules'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      // Load benches are one address opening thousands of sockets that each send far past the
      // per-connection budgets; bench/abuse.mjs passes the production limits back in `env`.
      HANDSHAKE_RATE_PER_IP: '1000000',
      HANDSHAKE_BURST_PER_IP: '1000000',
      SOCKET_SIGNALING_RATE: '1000000',
      SOCKET_SIGNALING_BURST: '1000000',
      SOCKET_MESSAGING_RATE: '1000000',
      SOCKET_MESSAGING_BURST: '1000000',
      SOCKET_AUDIO_RATE_FACTOR: '100',
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      FERRETDB_BIN: process.env.FERRETDB_BIN || join(ROOT, '.cache', 'bin', 'ferretdb'),
      // Instances of one cluster share theirs (a token from one is good on the other): pass it in `env`.
      JWT_SECRET: env.JWT_SECRET ?? randomBytes(32).toString('hex'),
      // The bench is one client sending far past the production budgets.
      THROTTLE_LIMIT: '100000000',
      AUTH_THROTTLE_LIMIT: '100000000',
      SWAGGER_ENABLED: 'false',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/health`, child, healthMs);
  return { url, port, pid: child.pid, stop: () => stopChild(child) };
}

/** Registers `username` (POST /users); resolves to the new user's id. */
export async function registerUser(url, username, password) {
  const created = await postJson(`${url}/users`, { username, password });
  if (created.status !== 201) throw new Error(`register: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

/** Logs `username` in (POST /auth/login); resolves to the access token. */
export async function logIn(url, username, password) {
  const login = await postJson(`${url}/auth/login`, { username, password });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return login.body.accessToken;
}

/** Account number `i` of this run, registered with a random password: { id, username, password }. */
export async function registerAccount(url, prefix, i) {
  // The time keeps names unique across runs against the same MONGODB_URI.
  const username = `${prefix}_${Date.now().toString(36)}_${i}`;
  const password = `Bench!${randomBytes(6).toString('hex')}A1`;
  return { id: await registerUser(url, username, password), username, password };
}

/** Account number `i` of this run, registered with a random password and logged in: { id, token }. */
export async function newAccount(url, prefix, i) {
  const { id, username, password } = await registerAccount(url, prefix, i);
  return { id, token: await logIn(url, username, password) };
}
