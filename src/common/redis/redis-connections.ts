import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { Env } from '../../config/env.validation';

/** How long one Redis step of a shutdown may take: the whole shutdown, drain included, has 10 s (src/main.ts). */
export const SHUTDOWN_REDIS_MS = 1_000;

/**
 * `work`, or a rejection once `ms` passed, for the Redis steps of a shutdown. A
 * command sent just before Redis went away waits for ioredis's reconnection
 * attempts (seconds) or, on a host that vanished, for a reply that never comes;
 * the shutdown goes on without it. A late failure of the abandoned command is
 * handled here, so it is never an unhandled rejection.
 */
export function abandonAfter<T>(work: Promise<T>, ms = SHUTDOWN_REDIS_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The Redis connections of this process, when `REDIS_URL` is set. Stores share
 * one command connection; anything that subscribes takes a dedicated one from
 * `dedicated()` (a subscribed connection cannot run other commands). All of
 * them reconnect forever: an outage degrades the cluster, never the process.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly url: string | undefined;
  private commandConnection: Redis | null = null;
  private readonly owned: Redis[] = [];

  constructor(config: ConfigService<Env, true>) {
    this.url = config.get('REDIS_URL', { infer: true });
  }

  /** True when the service runs as one of several instances sharing Redis. */
  get enabled(): boolean {
    return this.url !== undefined;
  }

  /**
   * The command connection is up now. A store checks it before a request-path
   * command so that, while Redis is away, it answers from this instance at once
   * instead of waiting for the command's retries to fail. Shutdown steps check
   * it too: a command queued while Redis is away waits seconds before failing.
   */
  get available(): boolean {
    return this.enabled && this.commands.status === 'ready';
  }

  /** The shared command connection. Only call when `enabled`. */
  get commands(): Redis {
    this.commandConnection ??= this.dedicated('commands');
    return this.commandConnection;
  }

  /**
   * A new connection owned by the caller's purpose (pub/sub, adapter), closed at shutdown.
   * `offlineQueue: false` fails commands at once while Redis is away (once it was reached)
   * instead of queueing them: right for fire-and-forget publishes, which would otherwise
   * pile up in memory.
   */
  dedicated(purpose: string, { offlineQueue = true }: { offlineQueue?: boolean } = {}): Redis {
    if (!this.url) throw new Error('REDIS_URL is not set');
    const connection = new Redis(this.url, {
      connectionName: purpose,
      maxRetriesPerRequest: 2,
      // Commands wait for the first connection either way: only a later outage drops them.
      enableOfflineQueue: true,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    if (!offlineQueue) connection.once('ready', () => (connection.options.enableOfflineQueue = false));
    let wasReady = false;
    connection.on('error', (error: Error) => {
      if (wasReady) this.logger.warn(`Redis (${purpose}): ${error.message}`);
    });
    connection.on('ready', () => {
      if (wasReady) this.logger.log(`Redis (${purpose}) reconnected`);
      wasReady = true;
    });
    this.owned.push(connection);
    return connection;
  }

  onApplicationShutdown(): void {
    for (const connection of this.owned) connection.disconnect();
    this.owned.length = 0;
    this.commandConnection = null;
  }
}
