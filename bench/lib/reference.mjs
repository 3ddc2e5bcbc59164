import { createServer } from 'node:http';
import { stopChild } from './lifetime.mjs';
import { waitHealthy } from './net.mjs';
import { ROOT } from './service.mjs';

/*
 * The bare Socket.IO servers the service is measured against. Each bench script
 * is its own reference server when run with --bare: the bench starts it with
 * `startReference(run, script)`, and in that process the script builds its server
 * with `bareSocketIo` and hands it to `serveReference`.
 */

/**
 * Socket.IO on a plain HTTP server, with the service's 64 KB message limit and
 * nothing else. `onRequest` answers plain HTTP and must answer GET /health.
 * Resolves to { http, server }.
 */
export async function bareSocketIo(onRequest) {
  // Loaded here: only the reference process needs Socket.IO's server side.
  const { Server } = await import('socket.io');
  const http = createServer(onRequest);
  return { http, server: new Server(http, { maxHttpBufferSize: 64 * 1024 }) };
}

/** In the reference process: listens on a loopback port the system picks, and tells the bench which. */
export function serveReference(http) {
  http.listen(0, '127.0.0.1', () => process.send({ port: http.address().port }));
  process.on('SIGTERM', () => process.exit(0));
}

/** In the bench: runs `script --bare` (or `script ...args`) as a child of `run`; resolves to { url, port, pid, stop() } once it answers /health. */
export async function startReference(run, script, args = ['--bare']) {
  const child = run.spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await reportedPort(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/health`, child, 10_000);
  return { url, port, pid: child.pid, stop: () => stopChild(child) };
}

/** The port the child reports once listening; the IPC channel is closed then, so it carries nothing while measuring. */
function reportedPort(child) {
  return new Promise((resolvePort, reject) => {
    const exited = (code) => reject(new Error(`reference server exited with ${code} before listening`));
    child.once('exit', exited);
    child.once('message', ({ port }) => {
      child.off('exit', exited);
      child.disconnect();
      resolvePort(port);
    });
  });
}
