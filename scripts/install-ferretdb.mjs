#!/usr/bin/env node
// Installs the embedded database (FerretDB v1, SQLite backend) into .cache/bin.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` cannot be used as is:
// the module proxy refuses FerretDB's version list (needed for the deprecation
// check), and the published module lacks build/version/version.txt, so a binary
// built straight from it panics at start. So we download the exact module version
// from the Go module proxy, copy it, write the version file and build it ourselves.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.cache', 'bin', 'ferretdb');

function works(bin) {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return run.status === 0 && run.stdout.includes(VERSION.slice(1));
}

if (process.env.FERRETDB_BIN) {
  if (!existsSync(process.env.FERRETDB_BIN)) {
    console.error(`FERRETDB_BIN=${process.env.FERRETDB_BIN} does not exist`);
    process.exit(1);
  }
  console.log(`db:install: using FERRETDB_BIN=${process.env.FERRETDB_BIN}`);
  process.exit(0);
}
if (existsSync(target) && works(target)) {
  console.log(`db:install: FerretDB ${VERSION} already installed at ${target}`);
  process.exit(0);
}
if (spawnSync('go', ['version']).status !== 0) {
  console.error(
    'db:install: the Go toolchain is needed to build the embedded database (FerretDB). ' +
      'Install Go, or set MONGODB_URI to a MongoDB server, or set FERRETDB_BIN to a FerretDB binary.',
  );
  process.exit(1);
}

const started = Date.now();
console.log(`db:install: building FerretDB ${VERSION} from the Go module proxy (a few minutes the first time)`);
const scratch = mkdtempSync(join(tmpdir(), 'ferretdb-mod-'));
const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${VERSION}`], { cwd: scratch, encoding: 'utf8' }));
rmSync(scratch, { recursive: true, force: true });

const src = join(root, '.cache', 'ferretdb-src');
rmSync(src, { recursive: true, force: true });
cpSync(info.Dir, src, { recursive: true });
makeWritable(src);
writeFileSync(join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);

mkdirSync(dirname(target), { recursive: true });
execFileSync('go', ['build', '-trimpath', '-tags', 'ferretdb_no_postgresql', '-o', target, './cmd/ferretdb'], {
  cwd: src,
  stdio: 'inherit',
  env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
});
rmSync(src, { recursive: true, force: true });

if (!works(target)) {
  console.error(`db:install: built ${target} but it does not report version ${VERSION}`);
  process.exit(1);
}
console.log(`db:install: FerretDB ${VERSION} installed at ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

function makeWritable(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    chmodSync(path, stat.mode | 0o200);
    if (stat.isDirectory()) makeWritable(path);
  }
  chmodSync(dir, statSync(dir).mode | 0o200);
}
