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
