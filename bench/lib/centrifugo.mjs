import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort, waitHealthy } from './net.mjs';
import { stopChild } from './lifetime.mjs';

/*
 * Centrifugo v6 as a reference server for the benches: finding (or building)
 * the binary, a config for personal and common channels, HS256 connection
 * tokens, its HTTP API and a JSON-protocol WebSocket client.
 */

export const CENTRIFUGO_MODULE = 'github.com/centrifugal/centrifugo/v6@v6.9.1';
/** Every client subscribes to this channel; broadcasts go there. */
export const COMMON_CHANNEL = 'common:all';

/** The channel only `userId` may subscribe to (a user-limited channel: the user ids after `#`). */
export function personalChannel(userId) {
  return `#${userId}`;
}

/**
 * The centrifugo binary: `explicit` if given, else ~/go/bin or $(go env GOPATH)/bin;
 * when none is there, `go install` builds it (minutes, at most `timeoutMs`) and says so.
 */
export function locateCentrifugo(explicit, timeoutMs) {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`--centrifugo ${explicit}: no such file`);
    return explicit;
  }
  const candidates = [join(homedir(), 'go', 'bin', 'centrifugo')];
  let gopath;
  try {
    gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim().split(':')[0];
    if (gopath) candidates.push(join(gopath, 'bin', 'centrifugo'));
  } catch {
    // no Go toolchain: only a binary already built can be used
  }
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  if (!gopath) throw new Error(`centrifugo not found (${candidates.join(', ')}) and no Go toolchain to build it`);
  console.log(`centrifugo not found in ${candidates.join(' or ')}: running \`go install ${CENTRIFUGO_MODULE}\` (this takes minutes)…`);
  execFileSync('go', ['install', CENTRIFUGO_MODULE], { stdio: 'inherit', timeout: timeoutMs, killSignal: 'SIGTERM' });
  const built = join(gopath, 'bin', 'centrifugo');
  if (!existsSync(built)) throw new Error(`go install finished but ${built} is not there`);
  return built;
}

/**
 * Starts Centrifugo as a child of `run` on 127.0.0.1 (through `spawn`, which
 * may pin it to a core) and waits for its /health. `joinLeave` turns on
 * presence and join/leave pushes on the common channel (what the service does
 * on connect: it tells everyone who came). Resolves to { url, port, pid,
 * apiKey, secret, stop() }.
 */
export async function startCentrifugo(run, { binary, spawn = run.spawn, joinLeave = true }) {
  const port = await freePort();
  const secret = randomBytes(32).toString('hex');
  const apiKey = randomBytes(24).toString('hex');
  const config = {
    http_server: { address: '127.0.0.1', port },
    log: { level: 'error' },
    health: { enabled: true },
    client: { token: { hmac_secret_key: secret }, allowed_origins: ['*'] },
    http_api: { key: apiKey },
    channel: {
      without_namespace: { allow_user_limited_channels: true },
      namespaces: [
        {
          name: COMMON_CHANNEL.split(':')[0],
          allow_subscribe_for_client: true,
          presence: joinLeave,
          join_leave: joinLeave,
          force_push_join_leave: joinLeave,
        },
      ],
    },
  };
  const configPath = join(run.tempDir('anchor-centrifugo-'), 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(binary, ['--config', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/health`, child, 30_000);
  return { url, port, pid: child.pid, apiKey, secret, stop: () => stopChild(child) };
}

/** An HS256 connection token for `userId` (`sub`), valid for a day. */
export function connectionToken(secret, userId) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: userId, exp: Math.floor(Date.now() / 1000) + 86_400 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Server API `publish` of `data` into `channel`; throws unless Centrifugo accepted it. */
export async function publish(server, channel, data) {
  const res = await fetch(`${server.url}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-API-Key': server.apiKey },
    body: JSON.stringify({ channel, data }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.error) throw new Error(`publish: ${res.status} ${JSON.stringify(body)}`);
}

/**
 * A JSON-protocol client: connects with `token` and subscribes to `channels`
 * in one frame (commands are newline-delimited), resolves once every reply
 * came. Answers the server's pings. `onPublication(channel, data)` hears
 * publications.
 */
export function centrifugoClient(server, token, channels, timeoutMs = 20_000) {
  return new Promise((resolveClient, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/connection/websocket`);
    let onPublication = () => undefined;
    let pending = channels.length + 1;
    const timer = setTimeout(() => fail(new Error('centrifugo connect timed out')), timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(error);
    };
    ws.on('error', fail);
    ws.on('message', (frame) => {
      for (const line of frame.toString().split('\n')) {
        if (line === '') continue;
        const reply = JSON.parse(line);
        if (reply.push) {
          if (reply.push.pub) onPublication(reply.push.channel, reply.push.pub.data);
        } else if (reply.id) {
          if (reply.error) return fail(new Error(`command ${reply.id}: ${JSON.stringify(reply.error)}`));
          if (--pending === 0) {
            clearTimeout(timer);
            resolveClient({ onPublication: (listener) => (onPublication = listener), close: () => ws.close() });
          }
        } else if (Object.keys(reply).length === 0) {
          // A ping: the server expects the same empty object back.
          ws.send('{}');
        }
      }
    });
    ws.once('open', () => {
      const commands = [{ id: 1, connect: { token } }, ...channels.map((channel, i) => ({ id: i + 2, subscribe: { channel } }))];
      ws.send(commands.map((command) => JSON.stringify(command)).join('\n'));
    });
  });
}
