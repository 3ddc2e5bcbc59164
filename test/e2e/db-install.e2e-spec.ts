import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
// The usual system folders, without the Go toolchain (usually /usr/local/go/bin or ~/go/bin).
const PATH_WITHOUT_GO = ['/usr/bin', '/bin', dirname(process.execPath)].join(delimiter);

/** `npm run db:install` in a scratch copy of the project, so nothing here touches .cache/bin. */
function install(project: string, env: Record<string, string>) {
  const { MONGODB_URI: _unset, FERRETDB_BIN: _unsetToo, ...inherited } = process.env;
  return spawnSync(process.execPath, [join(project, 'scripts', 'install-ferretdb.mjs')], {
    env: { ...inherited, PATH: PATH_WITHOUT_GO, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('npm run db:install', () => {
  let project: string;

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'rt-db-install-'));
    cpSync(join(ROOT, 'scripts'), join(project, 'scripts'), { recursive: true });
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('is a no-op without Go when MONGODB_URI is set (npm start with MongoDB needs no Go toolchain)', () => {
    const run = install(project, { MONGODB_URI: 'mongodb://127.0.0.1:1/' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('db:install: MONGODB_URI is set, the embedded database is not needed\n');
  });

  it('rebuilds a FerretDB binary that was not built from the current patches', () => {
    // Any binary answering `--version` with v1.24.2 but without a matching marker: here, a stand-in script.
    mkdirSync(join(project, '.cache', 'bin'), { recursive: true });
    const stale = join(project, '.cache', 'bin', 'ferretdb');
    copyFileSync(join(ROOT, 'test', 'fixtures', 'ferretdb-version-only.sh'), stale);
    const run = install(project, {});
    expect(run.stdout).toContain(`db:install: ${stale} was not built from the current patches; rebuilding`);
    // Without Go it cannot rebuild, and says so rather than keeping the unpatched binary.
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the Go toolchain is needed');
  });
});
