import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Where `npm run build` writes the console bundle; the same folder whether the app runs from dist/ or from src/ (tests). */
export const CONSOLE_DIR = join(__dirname, '..', '..', '..', 'dist', 'console');

/** The URL path the console is served under. */
export const CONSOLE_PATH = '/console';

/**
 * Serves the web console's static files at /console. It is plain files that
 * talk to the public API like any other client, so no guard applies; a file
 * that is not there falls through to the API's 404 in the usual error shape.
 * Returns false when the bundle was not built.
 */
export function serveConsole(app: NestExpressApplication, dir = CONSOLE_DIR): boolean {
  if (!existsSync(join(dir, 'index.html'))) return false;
  app.useStaticAssets(dir, {
    prefix: CONSOLE_PATH,
    index: 'index.html',
    // Relative asset URLs in index.html need the trailing slash: /console redirects to /console/.
    redirect: true,
    fallthrough: true,
    // Revalidate on every load (ETag), so a rebuilt console is never served stale.
    maxAge: 0,
  });
  return true;
}
