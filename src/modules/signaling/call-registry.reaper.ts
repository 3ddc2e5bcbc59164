import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { CallRegistry } from './call-registry';
import { RedisCallRegistry } from './redis-call-registry';
import { SignalingService } from './signaling.service';

/** How often this instance checks that Redis holds its calls (after an outage, an empty Redis). */
const HEAL_MS = 2_000;

/**
 * Several instances: the calls whose placing or answering socket was on an
 * instance that died without closing it end, and the other party is told.
 * Exactly one surviving instance gets each call: the release is atomic.
 * After a Redis outage this instance's calls are written back.
 */
@Injectable()
export class CallRegistryReaper implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly calls: CallRegistry,
    private readonly liveness: InstanceLiveness,
    private readonly signaling: SignalingService,
  ) {}

  onModuleInit(): void {
    const registry = this.calls;
    if (!(registry instanceof RedisCallRegistry)) return;
    this.liveness.onPeerDeath(async (incarnation) => this.signaling.callsReleased(await registry.releaseInstance(incarnation)));
    // At once: the mark of Redis's data set is seen before any call, so a later loss is told from an ending elsewhere.
    void registry.heal().catch(() => undefined);
    this.timer = setInterval(() => void registry.heal().catch(() => undefined), HEAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
