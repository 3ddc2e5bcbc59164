import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TransportSingleOptions } from 'pino';

/**
 * What a request and a response say in a log line, from the raw objects. Headers carry
 * credentials and the query string may carry `?token=`: log neither.
 */
export const accessLogSerializers = {
  req: (req: IncomingMessage & { id?: unknown; originalUrl?: string; ip?: string }) => ({
    id: req.id,
    method: req.method,
    path: (req.originalUrl ?? req.url ?? '').split('?')[0],
    // Express's `req.ip`: the client as TRUST_PROXY lets X-Forwarded-For name it, else the socket's peer.
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
  }),
  res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
};

/** Probes and scrapes arrive every few seconds: logging each one would bury the requests people look for. */
export function ignoredInAccessLog(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0];
  return path === '/health' || path.startsWith('/health/') || path === '/metrics';
}

/**
 * Human-readable, coloured lines for a person at a terminal during development; JSON everywhere else (production,
 * pipes, log collectors, tests). pino-pretty is a development dependency: without it the output stays JSON.
 */
export function prettyTransport(nodeEnv: string, stdoutIsTty: boolean, resolve: (id: string) => string = require.resolve): TransportSingleOptions | undefined {
  if (nodeEnv === 'production' || !stdoutIsTty) return undefined;
  try {
    resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return {
    target: 'pino-pretty',
    options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,req.remoteAddress', messageKey: 'msg' },
  };
}

/** Where the data lives, for the startup line: the embedded database, or the MongoDB hosts without credentials. */
export function databaseLabel(uri: string | undefined, dbName: string): string {
  if (!uri) return `embedded FerretDB, database "${dbName}"`;
  const match = /^(mongodb(?:\+srv)?):\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri);
  return `${match ? `${match[1]}://${match[2]}` : 'MongoDB'}, database "${dbName}"`;
}

/** The one line a person starting the service needs: where it answers, on which data, where the API is described. */
export function startupLine(options: { url: string; database: string; docs: boolean }): string {
  const docs = options.docs ? `API docs ${options.url}/docs` : 'API docs off (SWAGGER_ENABLED=false)';
  return `Listening on ${options.url} | database: ${options.database} | ${docs}`;
}
