import type { IncomingHttpHeaders } from 'node:http';

const SESSION_TOKEN_HEADER = 'insakari-connect-token';
const API_KEY_HEADER = 'x-api-key';

/** Longer than any token or key this service issues; bigger values are refused unread. */
const MAX_CREDENTIAL_LENGTH = 4096;

/** A user credential: an access JWT, or the opaque session token. */
export interface Credential {
  accessToken?: string;
  sessionToken?: string;
}

/** Everything a request may present: a user credential and, for back-end services, the API key. */
export interface PresentedCredentials extends Credential {
  apiKey?: string;
}

/** What a Socket.IO client sends in its handshake (`io(url, { auth })`) beside the headers. */
export interface HandshakeCredentials {
  headers: IncomingHttpHeaders;
  auth?: Record<string, unknown>;
}

/**
 * The one reader of credentials, for HTTP, the Socket.IO handshake and the
 * `/ws` upgrade alike: `Authorization: Bearer <jwt>` (scheme in any case),
 * `INSAkari-Connect-Token: <session token>`, `X-API-Key`. Only non-empty
 * strings up to MAX_CREDENTIAL_LENGTH count: an array (a repeated header), an
 * object or a huge value is no credential.
 */
export function credentialsFromHeaders(headers: IncomingHttpHeaders): PresentedCredentials {
  return {
    accessToken: bearerOf(headers.authorization),
    sessionToken: credentialOf(headers[SESSION_TOKEN_HEADER]),
    apiKey: credentialOf(headers[API_KEY_HEADER]),
  };
}

/**
 * A Socket.IO handshake: `auth.token` (access JWT) or `auth.sessionToken`,
 * else the same headers as HTTP. The API key is not a socket credential.
 */
export function credentialsFromHandshake({ headers, auth }: HandshakeCredentials): Credential {
  const fromHeaders = credentialsFromHeaders(headers);
  return {
    accessToken: credentialOf(auth?.token) ?? fromHeaders.accessToken,
    sessionToken: credentialOf(auth?.sessionToken) ?? fromHeaders.sessionToken,
  };
}

/** A `/ws` upgrade: `?token=` (either kind), else the same headers as HTTP. */
export function credentialsFromUpgrade(headers: IncomingHttpHeaders, query: URLSearchParams): Credential {
  const token = credentialOf(query.get('token'));
  if (token) return credentialFromToken(token);
  const { accessToken, sessionToken } = credentialsFromHeaders(headers);
  return { accessToken, sessionToken };
}

/**
 * A token of unknown kind (`?token=`, the body of `/auth/verify`): a JWT is
 * three dot-separated parts, a session token a UUID, which has no dots.
 */
export function credentialFromToken(token: string): Credential {
  return token.split('.').length === 3 ? { accessToken: token } : { sessionToken: token };
}

export function hasUserCredential(credential: Credential): boolean {
  return credential.accessToken !== undefined || credential.sessionToken !== undefined;
}

function bearerOf(header: unknown): string | undefined {
  const value = credentialOf(header);
  const match = value === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  return match?.[1];
}

function credentialOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CREDENTIAL_LENGTH ? value : undefined;
}
