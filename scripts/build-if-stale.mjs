// `npm run build` unless dist/ is already newer than everything it is built from, so `npm start` on a fresh
// build starts at once (and a bad MONGODB_URI fails in seconds, not after a rebuild).
// Usage: node scripts/build-if-stale.mjs [--check]   (--check: exit 0 when up to date, 1 when a build is due; never builds)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const INPUT_DIRS = ['src', 'console'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json', 'scripts/build-console.mjs'];
const OUTPUTS = ['dist/main.js', 'dist/console'];

/** Every file under `path` (or `path` itself), with its modification time; none when it does not exist. */
function files(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (!stat.isDirectory()) return [{ path, mtimeMs: stat.mtimeMs }];
  return readdirSync(path).flatMap((name) => files(join(path, name)));
}

/** Why a build is due, or null when every output is newer than every input. */
function staleness() {
  let oldestOutput = null;
  for (const output of OUTPUTS) {
    const built = files(join(root, output));
    if (built.length === 0) return `${output} is missing`;
    for (const file of built) if (oldestOutput === null || file.mtimeMs < oldestOutput.mtimeMs) oldestOutput = file;
  }
  for (const input of [...INPUT_DIRS, ...INPUT_FILES]) {
    const newer = files(join(root, input)).find((file) => file.mtimeMs > oldestOutput.mtimeMs);
    if (newer) return `${relative(root, newer.path)} is newer than ${relative(root, oldestOutput.path)}`;
  }
  return null;
}

const reason = staleness();
if (reason === null) {
  console.log('build: dist is up to date');
  process.exit(0);
}
if (process.argv.includes('--check')) {
  console.log(`build: due (${reason})`);
  process.exit(1);
}
console.log(`build: ${reason}; building`);
const run = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
