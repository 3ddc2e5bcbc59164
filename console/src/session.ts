import { Api, ApiError } from './api';
import type { LoginResponse, RefreshResponse, User } from './types';

/** localStorage key of the refresh token: what keeps a session across reloads. */
const REFRESH_KEY = 'realtime-console.refreshToken';
/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_S = 60;

export type SessionListener = (user: User | null, reason?: string) => void;

/**
 * The signed-in user: access token in memory, refresh token in localStorage,
 * rotated before expiry and after any 401. Two refreshes never run at once
 * (a spent refresh token presented twice would end the session).
 */
export class Session {
  user: User | null = null;
  private timer: number | undefined;
  private refreshing: Promise<boolean> | null = null;
  private readonly listeners = new Set<SessionListener>();

  constructor(private readonly api: Api) {
    api.reauthenticate = () => this.refresh();
  }

  get accessToken(): string | null {
    return this.api.accessToken;
  }

  onChange(listener: SessionListener): void {
    this.listeners.add(listener);
  }

  async login(username: string, password: string): Promise<User> {
    const body = await this.api.post<LoginResponse>('/auth/login', { username, password }, false);
    this.store(body);
    this.user = body.user;
    this.emit();
    return body.user;
  }

  async signup(fields: { username: string; email: string; password: string; invitationCode?: string }): Promise<User> {
    await this.api.post('/auth/signup', fields, false);
    return this.login(fields.username, fields.password);
  }

  /** After a reload: trades the stored refresh token for a new pair, then reads the user. */
  async restore(): Promise<User | null> {
    if (!localStorage.getItem(REFRESH_KEY)) return null;
    if (!(await this.refresh())) return null;
    const { user } = await this.api.get<{ user: User }>('/auth/user');
    this.user = user;
    this.emit();
    return user;
  }

  async logout(): Promise<void> {
    try {
      if (this.api.accessToken) await this.api.post('/auth/logout');
    } finally {
      this.end();
    }
  }

  /** Rotates the refresh token; false (and the session ended) when the service refuses it. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.rotate().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async rotate(): Promise<boolean> {
    const refreshToken = localStorage.getItem(REFRESH_KEY);
    if (!refreshToken) return false;
    try {
      this.store(await this.api.post<RefreshResponse>('/auth/refresh', { refreshToken }, false));
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.end('Your session has ended; please log in again.');
        return false;
      }
      throw error;
    }
  }

  private store(tokens: RefreshResponse): void {
    this.api.accessToken = tokens.accessToken;
    localStorage.setItem(REFRESH_KEY, tokens.refreshToken);
    window.clearTimeout(this.timer);
    const delayS = Math.max(5, tokens.expiresIn - REFRESH_MARGIN_S);
    this.timer = window.setTimeout(() => void this.refresh().catch(() => undefined), delayS * 1000);
  }

  private end(reason?: string): void {
    window.clearTimeout(this.timer);
    localStorage.removeItem(REFRESH_KEY);
    this.api.accessToken = null;
    const wasSignedIn = this.user !== null;
    this.user = null;
    if (wasSignedIn || reason) this.emit(reason);
  }

  private emit(reason?: string): void {
    for (const listener of this.listeners) listener(this.user, reason);
  }
}
