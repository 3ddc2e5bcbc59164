import type { ConfigService } from '@nestjs/config';
import type { Env } from './env.validation';

/** The CORS allow-list from CORS_ORIGINS, shared by HTTP, Socket.IO and /ws. */
export function corsOrigins(config: ConfigService<Env, true>): string[] {
  return config
    .get('CORS_ORIGINS', { infer: true })
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

/**
 * Whether a request from this Origin may proceed: no Origin (not a browser),
 * an allow-listed one, or the service's own origin (the Host it was asked
 * on). Same-origin is not cross-origin: the console the service serves at
 * /console sends its own Origin on module scripts, POSTs and WebSockets.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!origin || allowed.has(origin)) return true;
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
