import { SetMetadata } from '@nestjs/common';

export const CREDENTIAL_ROUTE = 'throttle:credential-route';

/**
 * Routes that take or mint credentials or create accounts (login, signup, refresh,
 * verify, signout, `POST /auth/user`, `POST /users`, `POST /api/users`): the stricter
 * `auth` throttler (AUTH_THROTTLE_LIMIT per client IP) applies to them on top of the
 * default one. Routes that merely use a session (`GET /auth/user`, logout) do not carry it.
 */
export const CredentialRoute = () => SetMetadata(CREDENTIAL_ROUTE, true);
