import { Global, Module } from '@nestjs/common';
import { ClusterBus } from './cluster-bus';
import { InstanceIdentity } from './instance-identity';
import { RedisConnections } from './redis-connections';

/** Redis for the cross-instance stores, and the identity of this instance among the others. */
@Global()
@Module({
  providers: [RedisConnections, InstanceIdentity, ClusterBus],
  exports: [RedisConnections, InstanceIdentity, ClusterBus],
})
export class RedisModule {}
