// Starts a FerretDB binary on a scratch SQLite folder and a loopback port chosen by the system,
// for the measurement scripts. Resolves once it listens.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** @returns {Promise<{ uri: string, pid: number, stop: () => void }>} */
export async function startFerretDb(binary) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferretdb-measure-'));
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dataDir}/`,
      `--state-dir=${dataDir}`,
      '--listen-addr=127.0.0.1:0',
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=info',
      '--log-format=json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const uri = await new Promise((done, reject) => {
    child.once('exit', (code) => reject(new Error(`${binary} exited with code ${code}`)));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const listening = /Listening on TCP ([\d.]+:\d+)/.exec(line);
        if (listening) done(`mongodb://${listening[1]}/`);
      });
    }
  });
  return {
    uri,
    pid: child.pid,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc (Linux). */
export function cpuMsOf(pid) {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15 (clock ticks of 1/100 s).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
