import { Module } from '@nestjs/common';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { RedisConnections } from '../../common/redis/redis-connections';
import { RealtimeModule } from '../realtime/realtime.module';
import { CallRegistry, InMemoryCallRegistry } from './call-registry';
import { CallRegistryReaper } from './call-registry.reaper';
import { RedisCallRegistry } from './redis-call-registry';
import { SignalingGateway } from './signaling.gateway';
import { SignalingMetrics } from './signaling.metrics';
import { SignalingService } from './signaling.service';

/** WebRTC call signaling between connected users (namespace `/`). */
@Module({
  imports: [RealtimeModule],
  providers: [
    SignalingService,
    SignalingGateway,
    CallRegistryReaper,
    SignalingMetrics,
    {
      // One process keeps calls in memory; with REDIS_URL every instance shares them.
      provide: CallRegistry,
      inject: [RedisConnections, InstanceLiveness],
      useFactory: (redis: RedisConnections, liveness: InstanceLiveness): CallRegistry =>
        redis.enabled ? new RedisCallRegistry(redis.commands, liveness.incarnation) : new InMemoryCallRegistry(),
    },
  ],
})
export class SignalingModule {}
