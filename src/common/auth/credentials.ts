import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_TOKEN_HEADER = 'insakari-connect-token';
export const API_KEY_HEADER = 'x-api-key';

export interface PresentedCredentials {
  accessToken?: string;
  sessionToken?: string;
  apiKey?: string;
}

/** The credentials a request carries: `Authorization: Bearer <jwt>`, `INSAkari-Connect-Token`, `X-API-Key`. */
export function credentialsFrom(headers: IncomingHttpHeaders): PresentedCredentials {
  const authorization = headers.authorization;
  const bearer = authorization && /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  const sessionToken = headers[SESSION_TOKEN_HEADER];
  const apiKey = headers[API_KEY_HEADER];
  return {
    accessToken: bearer || undefined,
    sessionToken: typeof sessionToken === 'string' && sessionToken ? sessionToken : undefined,
    apiKey: typeof apiKey === 'string' && apiKey ? apiKey : undefined,
  };
}
