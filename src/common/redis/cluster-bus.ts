import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisConnections } from './redis-connections';

const CHANNEL_PREFIX = 'bus:';
/** The longest `deliver` keeps its caller waiting for Redis. */
const DELIVERY_WAIT_MS = 1_000;

type Handler = (message: unknown) => void;

/**
 * Messages between the instances sharing Redis (pub/sub), as JSON on
 * `bus:<topic>`. A handler hears the other instances only: the sender has
 * already acted locally. `publish` is fire-and-forget; `deliver` can be
 * awaited until Redis has passed the message on. While Redis is away a publish is dropped (the
 * state it would have changed heals by its own means); subscriptions are made
 * again by ioredis when the connection returns. Without Redis nothing is sent.
 */
@Injectable()
export class ClusterBus {
  private readonly logger = new Logger(ClusterBus.name);
  /** Tells this process's own messages apart (several processes may share an INSTANCE_ID). */
  private readonly origin = randomUUID();
  private readonly handlers = new Map<string, Handler[]>();
  private publisher?: Redis;
  private subscriber?: Redis;
  private failing = false;

  constructor(private readonly redis: RedisConnections) {}

  get enabled(): boolean {
    return this.redis.enabled;
  }

  /** Fire and forget: for messages sent on hot paths, whose senders do not wait. */
  publish(topic: string, message: unknown): void {
    if (this.enabled) void this.send(topic, message);
  }

  /**
   * Settles once Redis has passed the message on to every subscribed instance, at once when it
   * cannot (Redis away), or after DELIVERY_WAIT_MS (before Redis was first reached, or with Redis
   * hung); never rejects. A caller that awaits it before answering its client lets that client's
   * next request, on any instance, find the message there first.
   */
  deliver(topic: string, message: unknown): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const sent = this.send(topic, message);
    return new Promise((resolve) => {
      const deadline = setTimeout(resolve, DELIVERY_WAIT_MS).unref();
      void sent.then(() => {
        clearTimeout(deadline);
        resolve();
      });
    });
  }

  /** Resolves once Redis answered the publish, or failed it (the failure is logged once per outage). */
  private send(topic: string, message: unknown): Promise<void> {
    this.publisher ??= this.redis.dedicated('bus-publish', { offlineQueue: false });
    return this.publisher.publish(CHANNEL_PREFIX + topic, JSON.stringify({ origin: this.origin, message })).then(
      () => {
        this.failing = false;
      },
      (error: Error) => {
        // Once per outage, not once per message.
        if (!this.failing) this.logger.warn(`cluster messages are not sent while Redis is away: ${error.message}`);
        this.failing = true;
      },
    );
  }

  subscribe(topic: string, handler: Handler): void {
    if (!this.enabled) return;
    const channel = CHANNEL_PREFIX + topic;
    const existing = this.handlers.get(channel);
    if (existing) {
      existing.push(handler);
      return;
    }
    this.handlers.set(channel, [handler]);
    this.connectSubscriber()
      .subscribe(channel)
      .catch((error: Error) => this.logger.warn(`cannot subscribe to ${topic} yet: ${error.message}`));
  }

  private connectSubscriber(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.redis.dedicated('bus-subscribe');
    subscriber.on('message', (channel: string, raw: string) => {
      let envelope: { origin?: unknown; message?: unknown };
      try {
        envelope = JSON.parse(raw) as { origin?: unknown; message?: unknown };
      } catch {
        return;
      }
      if (envelope.origin === this.origin) return;
      for (const handler of this.handlers.get(channel) ?? []) {
        try {
          handler(envelope.message);
        } catch (error) {
          this.logger.error({ err: error, channel }, 'cluster message handler failed');
        }
      }
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}
