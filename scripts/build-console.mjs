// Bundles the web console (console/) into dist/console, which the service serves at /console.
// Usage: node scripts/build-console.mjs [outdir]
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(root, process.argv[2] ?? 'dist/console');
const source = join(root, 'console');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: { console: join(source, 'src/main.ts'), 'capture.worklet': join(source, 'src/voice/capture.worklet.ts') },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox130', 'safari17'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const file of ['index.html', 'console.css']) copyFileSync(join(source, 'public', file), join(outdir, file));
copyFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), join(outdir, 'uPlot.min.css'));
console.log(`console built into ${outdir}`);
