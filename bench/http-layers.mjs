#!/usr/bin/env node
/**
 * Where a small REST request's CPU goes: the direct message `POST /api/users/:id/message` with a one-field
 * JSON body, answered by ever fuller stacks, each its own process:
 *   node       node:http, the body read and parsed by hand
 *   express    Express 5 with express.json()
 *   nest       NestJS on Express: one controller, @Param and @Body
 *   nest+pipe  the same with the service's own validation pipe and DTO (class-validator, class-transformer)
 *   service    the service (dist/main.js) with its service key: security headers, CORS, body limits,
 *              request id, access log (level warn: built, not written), HTTP metrics, throttler, guard,
 *              validation, and the delivery to the one connected socket of the user
 *
 *   npm run build && node bench/http-layers.mjs [--requests 10000] [--warmup 2000] [--concurrency 16]
 *        [--entry dist/main.js] [--deadline 300] [--allow-load] [--no-pin]
 *
 * The servers run on core 0 and this process (the load, undici's fetch) on core 1 where taskset
 * and two cores allow, so the load does not take the server's CPU. Prints each stack's requests/s and
 * its process's CPU time per request (user + system, /proc), and what each layer adds to the one before.
 * Everything stops by itself at --deadline seconds.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { integerOptions, parseArgs, textOptions } from './lib/cli.mjs';
import { requireIdleMachine } from './lib/idle.mjs';
import { boundedRun } from './lib/lifetime.mjs';
import { canPin, cpuMicros, pinnedRun, rerunPinned } from './lib/proc.mjs';
import { serveReference, startReference } from './lib/reference.mjs';
import { newAccount, ROOT, serviceEntry, startService } from './lib/service.mjs';

const SERVER_CORE = 0;
const LOAD_CORE = 1;
const PINNED_ENV = 'HTTP_LAYERS_LOAD_PINNED';
const ANSWER = { status: 'Message sent', delivered: 0 };
const args = parseArgs(process.argv.slice(2));

if (args.layer) {
  serveReference(await layerServer(args.layer));
} else if (!process.env[PINNED_ENV] && !args['no-pin'] && canPin()) {
  await rerunPinned(fileURLToPath(import.meta.url), LOAD_CORE, PINNED_ENV);
} else {
  await bench(Boolean(process.env[PINNED_ENV]));
}

async function bench(pinned) {
  const intOption = integerOptions(args);
  const REQUESTS = intOption('requests', 10_000, 100, 1_000_000);
  const WARMUP = intOption('warmup', 2_000, 0, 1_000_000);
  const CONCURRENCY = intOption('concurrency', 16, 1, 1024);
  const entry = serviceEntry(textOptions(args));
  await requireIdleMachine(args);
  const run = boundedRun(intOption('deadline', 300, 30, 3600));
  const servers = pinned ? pinnedRun(run, SERVER_CORE) : run;
  console.log(pinned ? `servers on core ${SERVER_CORE}, load on core ${LOAD_CORE}` : 'NOT pinned: the servers and the load share the cores');
  console.log(`http layers: ${REQUESTS} requests after ${WARMUP} unmeasured, ${CONCURRENCY} in flight\n`);

  const script = fileURLToPath(import.meta.url);
  const rows = [];
  try {
    for (const layer of ['node', 'express', 'nest', 'nest+pipe']) {
      const server = await startReference(servers, script, ['--layer', layer]);
      rows.push({ layer, ...(await load(`${server.url}/api/users/u1/message`, {}, server.pid, { REQUESTS, WARMUP, CONCURRENCY })) });
      await server.stop();
    }
    const key = randomBytes(24).toString('hex');
    const service = await startService(servers, { entry, tempPrefix: 'http-layers-', env: { SERVICE_API_KEY: key } });
    const user = await newAccount(service.url, 'layers', 0);
    const socket = io(service.url, { auth: { token: user.token }, transports: ['websocket'] });
    await new Promise((connected, failed) => socket.once('connect', connected).once('connect_error', failed));
    rows.push({
      layer: 'service',
      ...(await load(`${service.url}/api/users/${user.id}/message`, { 'X-API-Key': key }, service.pid, { REQUESTS, WARMUP, CONCURRENCY })),
    });
    socket.close();
    await service.stop();
  } finally {
    await run.close();
  }

  console.log('stack          requests/s   CPU µs/request   added by the layer');
  rows.forEach((row, i) => {
    const added =
      i === 0 ? '' : `${row.cpuPerRequest - rows[i - 1].cpuPerRequest >= 0 ? '+' : ''}${(row.cpuPerRequest - rows[i - 1].cpuPerRequest).toFixed(0)} µs`;
    console.log(`${row.layer.padEnd(12)} ${row.perSecond.toFixed(0).padStart(12)} ${row.cpuPerRequest.toFixed(0).padStart(16)}   ${added}`);
  });
  const [bare, , nest, , full] = rows;
  console.log(
    `\nthe service spends ${(full.cpuPerRequest / bare.cpuPerRequest).toFixed(2)}x bare node:http's CPU per request; NestJS on Express alone ${(nest.cpuPerRequest / bare.cpuPerRequest).toFixed(2)}x`,
  );
}

/** Warm-up, then `REQUESTS` posts `CONCURRENCY` at a time; the rate and the server process's CPU per request. */
async function load(url, headers, pid, { REQUESTS, WARMUP, CONCURRENCY }) {
  const init = { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ message: 'hello there' }) };
  const send = async (count) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next += 1;
          const res = await fetch(url, init);
          await res.arrayBuffer();
          if (res.status !== 200 && res.status !== 201) throw new Error(`${url}: ${res.status}`);
        }
      }),
    );
  };
  await send(WARMUP);
  const cpuBefore = cpuMicros(pid);
  const startedAt = performance.now();
  await send(REQUESTS);
  const seconds = (performance.now() - startedAt) / 1000;
  return { perSecond: REQUESTS / seconds, cpuPerRequest: (cpuMicros(pid) - cpuBefore) / REQUESTS };
}

/** In a child process: the server of one layer, answering the message route and GET /health. */
async function layerServer(layer) {
  if (layer === 'node') return createServer(bareHandler);
  if (layer === 'express') {
    const { default: express } = await import('express');
    const app = express();
    app.use(express.json({ limit: '100kb' }));
    app.get('/health', (_req, res) => res.send('OK'));
    app.post('/api/users/:id/message', (req, res) => res.json({ ...ANSWER, to: req.params.id, length: req.body.message.length }));
    return createServer(app);
  }
  if (layer === 'nest' || layer === 'nest+pipe') return nestServer(layer === 'nest+pipe');
  throw new Error(`unknown layer ${layer}`);
}

function bareHandler(req, res) {
  if (req.method === 'GET' && req.url === '/health') return res.end('OK');
  const match = req.method === 'POST' && /^\/api\/users\/([^/]+)\/message$/.exec(req.url);
  if (!match) {
    res.statusCode = 404;
    return res.end();
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const { message } = JSON.parse(Buffer.concat(chunks).toString());
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ ...ANSWER, to: match[1], length: message.length }));
  });
}

/** NestJS on Express with one controller, its decorators applied by hand (this file is plain JavaScript). */
async function nestServer(withPipe) {
  const { Body, Controller, Get, HttpCode, Module, Param, Post } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  const require = createRequire(import.meta.url);
  const { SendMessageDto } = require(join(ROOT, 'dist', 'modules', 'realtime', 'dto', 'send-message.dto.js'));
  const { createValidationPipe } = require(join(ROOT, 'dist', 'common', 'validation', 'validation.pipe.js'));

  class MessageController {
    message(id, dto) {
      return { ...ANSWER, to: id, length: dto.message.length };
    }
    health() {
      return 'OK';
    }
  }
  const proto = MessageController.prototype;
  const method = (name, ...decorators) => decorators.forEach((decorate) => decorate(proto, name, Object.getOwnPropertyDescriptor(proto, name)));
  Reflect.defineMetadata('design:paramtypes', [String, SendMessageDto], proto, 'message');
  Param('id')(proto, 'message', 0);
  Body()(proto, 'message', 1);
  method('message', Post('api/users/:id/message'), HttpCode(200));
  method('health', Get('health'));
  Controller()(MessageController);
  class LayerModule {}
  Module({ controllers: [MessageController] })(LayerModule);

  const app = await NestFactory.create(LayerModule, { logger: false });
  if (withPipe) app.useGlobalPipes(createValidationPipe());
  await app.init();
  return app.getHttpServer();
}
