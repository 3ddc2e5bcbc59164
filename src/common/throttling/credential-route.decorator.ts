import { SetMetadata } from '@nestjs/common';

export const CREDENTIAL_ROUTE = 'throttle:credential-route';

/**
 * Routes that take credentials or create accounts (`/auth/*`, `/login`,
 * `POST /users`, `POST /api/users`): the stricter `auth` throttler
 * (AUTH_THROTTLE_LIMIT per client IP) applies to them on top of the default one.
 */
export const CredentialRoute = () => SetMetadata(CREDENTIAL_ROUTE, true);
