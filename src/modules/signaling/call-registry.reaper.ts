import { Injectable, OnModuleInit } from '@nestjs/common';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { CallRegistry } from './call-registry';
import { RedisCallRegistry } from './redis-call-registry';
import { SignalingService } from './signaling.service';

/**
 * Several instances: the calls whose placing or answering socket was on an
 * instance that died without closing it end, and the other party is told.
 * Exactly one surviving instance gets each call: the release is atomic.
 */
@Injectable()
export class CallRegistryReaper implements OnModuleInit {
  constructor(
    private readonly calls: CallRegistry,
    private readonly liveness: InstanceLiveness,
    private readonly signaling: SignalingService,
  ) {}

  onModuleInit(): void {
    const registry = this.calls;
    if (!(registry instanceof RedisCallRegistry)) return;
    this.liveness.onPeerDeath(async (incarnation) => this.signaling.callsReleased(await registry.releaseInstance(incarnation)));
  }
}
