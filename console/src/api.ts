import type { ApiErrorBody } from './types';

/** A failed request, in the words of the API's `message` (and its validation `details`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }

  /** The message and the rules that failed, for the user to read. */
  describe(): string {
    return this.details.length > 0 ? `${this.message}: ${this.details.join('; ')}` : this.message;
  }
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}

interface RequestOptions {
  body?: unknown;
  /** Send the access token (default true). */
  auth?: boolean;
}

/** Gets a fresh access token after a 401; resolves false when the session is over. */
export type Reauthenticate = () => Promise<boolean>;

/** The HTTP API, same origin; a 401 on an authenticated call refreshes the session once and retries. */
export class Api {
  accessToken: string | null = null;
  reauthenticate: Reauthenticate = () => Promise.resolve(false);

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown, auth = true): Promise<T> {
    return this.request<T>('POST', path, { body, auth });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    const response = await this.send(method, path, options.body, auth);
    if (response.status === 401 && auth && (await this.reauthenticate())) {
      return this.parse<T>(await this.send(method, path, options.body, auth));
    }
    return this.parse<T>(response);
  }

  private async send(method: string, path: string, body: unknown, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;
    try {
      return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', 'The service cannot be reached');
    }
  }

  private async parse<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // A non-JSON answer (a proxy's error page) is reported by its status below.
    }
    if (response.ok) return body as T;
    const error = (body ?? {}) as Partial<ApiErrorBody>;
    const message = typeof error.message === 'string' && error.message ? error.message : `Request failed (${response.status})`;
    const details = Array.isArray(error.details) ? error.details.map(detailText) : [];
    throw new ApiError(response.status, error.error_code ?? 'UNKNOWN', message, details);
  }
}

function detailText(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (detail && typeof detail === 'object') {
    const { message, field } = detail as { message?: unknown; field?: unknown };
    if (typeof message === 'string') return typeof field === 'string' && !message.includes(field) ? `${field}: ${message}` : message;
  }
  return JSON.stringify(detail);
}
