import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/**
 * `npm start`'s build step (scripts/build-if-stale.mjs) in a scratch project whose `npm run build` is a stand-in
 * that writes dist/main.js and dist/console and says so, so nothing here touches the real dist/.
 */
describe('npm start builds only when dist/ is stale', () => {
  let project: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(project, 'scripts', 'build-if-stale.mjs'), ...args], { cwd: project, encoding: 'utf8', timeout: 30_000 });
  const BUILT = 'stand-in build ran';

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'rt-build-if-stale-'));
    mkdirSync(join(project, 'scripts'));
    cpSync(join(ROOT, 'scripts', 'build-if-stale.mjs'), join(project, 'scripts', 'build-if-stale.mjs'));
    const build = `const fs=require('fs');fs.mkdirSync('dist/console',{recursive:true});fs.writeFileSync('dist/main.js','');fs.writeFileSync('dist/console/index.html','');console.log('${BUILT}')`;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, scripts: { build: `node -e "${build}"` } }));
    for (const file of ['src/main.ts', 'console/src/main.ts', 'tsconfig.json', 'nest-cli.json', 'package-lock.json']) {
      mkdirSync(join(project, file, '..'), { recursive: true });
      writeFileSync(join(project, file), '');
      // Sources older than any build, as after a checkout followed by a first build.
      utimesSync(join(project, file), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    }
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('builds the first time, not the second, and again once a source is newer than dist/', () => {
    expect(run('--check')).toMatchObject({ status: 1, stdout: 'build: due (dist/main.js is missing)\n' });
    const first = run();
    expect([first.status, first.stdout]).toEqual([0, expect.stringContaining(BUILT)]);

    const second = run();
    expect([second.status, second.stdout]).toEqual([0, 'build: dist is up to date\n']);
    expect(run('--check')).toMatchObject({ status: 0, stdout: 'build: dist is up to date\n' });

    // An edit after the build (the build ran well over a millisecond ago: two runs of node since).
    const now = new Date();
    utimesSync(join(project, 'console', 'src', 'main.ts'), now, now);
    const third = run();
    expect([third.status, third.stdout]).toEqual([0, expect.stringContaining('build: console/src/main.ts is newer than dist/')]);
    expect(third.stdout).toContain(BUILT);
    expect(run()).toMatchObject({ status: 0, stdout: 'build: dist is up to date\n' });
  });

  it('builds when the console bundle is missing though dist/main.js is there', () => {
    expect(run().status).toBe(0);
    rmSync(join(project, 'dist', 'console'), { recursive: true });
    expect(run()).toMatchObject({ status: 0, stdout: expect.stringContaining('build: dist/console is missing; building') });
  });
});
