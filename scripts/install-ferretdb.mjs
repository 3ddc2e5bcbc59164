#!/usr/bin/env node
// Installs the embedded database (FerretDB v1, SQLite backend, with the project's patches) into .cache/bin.
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` cannot be used as is:
// the module proxy refuses FerretDB's version list (needed for the deprecation
// check), and the published module lacks build/version/version.txt, so a binary
// built straight from it panics at start. So we download the exact module version
// from the Go module proxy, copy it, write the version file, apply the patches in
// scripts/ferretdb/ (see docs/database.md) and build it ourselves.
//
// A marker file beside the binary records the patches' hash and the binary's hash:
// a binary built from other patches (or none), or replaced since, is rebuilt.
// With MONGODB_URI set the embedded database is not used, so nothing is installed (and no Go
// toolchain is needed), unless --embedded asks for it anyway.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.cache', 'bin', 'ferretdb');
const marker = `${target}.build.json`;
const patchDir = join(root, 'scripts', 'ferretdb');
const patches = readdirSync(patchDir)
  .filter((name) => name.endsWith('.patch'))
  .sort()
  .map((name) => join(patchDir, name));

// --embedded: wanted whatever MONGODB_URI says (db:serve, the test run's own database).
if (process.env.MONGODB_URI && !process.argv.includes('--embedded')) {
  console.log('db:install: MONGODB_URI is set, the embedded database is not needed');
  process.exit(0);
}
if (process.env.FERRETDB_BIN) {
  if (!existsSync(process.env.FERRETDB_BIN)) {
    console.error(`db:install: FERRETDB_BIN=${process.env.FERRETDB_BIN} does not exist`);
    process.exit(1);
  }
  console.log(`db:install: using FERRETDB_BIN=${process.env.FERRETDB_BIN}`);
  process.exit(0);
}

const wanted = { version: VERSION, patches: sha256(Buffer.concat(patches.map((path) => readFileSync(path)))) };
const installed = readMarker();
if (
  installed &&
  installed.version === wanted.version &&
  installed.patches === wanted.patches &&
  installed.binary === sha256(readFileSync(target)) &&
  works(target)
) {
  console.log(`db:install: FerretDB ${VERSION} (patched) already installed at ${target}`);
  process.exit(0);
}
if (existsSync(target)) console.log(`db:install: ${target} was not built from the current patches; rebuilding`);
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

// Outside the repository: `git apply` inside a work tree would resolve paths against it.
const src = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
process.on('exit', () => rmSync(src, { recursive: true, force: true }));
cpSync(info.Dir, src, { recursive: true });
makeWritable(src);
writeFileSync(join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
for (const patch of patches) {
  // Both refuse a hunk whose context differs (no fuzz), so a changed upstream file fails loudly.
  const withGit = spawnSync('git', ['--version']).status === 0;
  const [tool, args] = withGit ? ['git', ['apply', '--verbose', patch]] : ['patch', ['-p1', '--forward', '--fuzz=0', '--batch', '-i', patch]];
  const applied = spawnSync(tool, args, { cwd: src, encoding: 'utf8' });
  if (applied.error) {
    console.error(`db:install: applying the FerretDB patches needs git or patch (${applied.error.message}); install one of them`);
    process.exit(1);
  }
  if (applied.status !== 0) {
    console.error(`db:install: ${patch} does not apply to FerretDB ${VERSION}:\n${applied.stdout}${applied.stderr}`);
    process.exit(1);
  }
  console.log(`db:install: applied ${patch.slice(root.length + 1)}`);
}

// Built beside the target and renamed over it: a running FerretDB keeps its old file.
mkdirSync(dirname(target), { recursive: true });
const building = `${target}.building-${process.pid}`;
execFileSync('go', ['build', '-trimpath', '-tags', 'ferretdb_no_postgresql', '-o', building, './cmd/ferretdb'], {
  cwd: src,
  stdio: 'inherit',
  env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
});

if (!works(building)) {
  rmSync(building, { force: true });
  console.error(`db:install: built FerretDB but it does not report version ${VERSION}`);
  process.exit(1);
}
renameSync(building, target);
writeFileSync(marker, `${JSON.stringify({ ...wanted, binary: sha256(readFileSync(target)) }, null, 2)}\n`);
console.log(`db:install: FerretDB ${VERSION} (patched) installed at ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

function works(bin) {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return run.status === 0 && run.stdout.includes(VERSION.slice(1));
}

function readMarker() {
  if (!existsSync(marker) || !existsSync(target)) return undefined;
  try {
    return JSON.parse(readFileSync(marker, 'utf8'));
  } catch {
    return undefined;
  }
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function makeWritable(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = statSync(path);
    chmodSync(path, stat.mode | 0o200);
    if (stat.isDirectory()) makeWritable(path);
  }
  chmodSync(dir, statSync(dir).mode | 0o200);
}
