import { Global, Module } from '@nestjs/common';
import { InstanceIdentity } from './instance-identity';
import { RedisConnections } from './redis-connections';

/** Redis for the cross-instance stores, and the identity of this instance among the others. */
@Global()
@Module({
  providers: [RedisConnections, InstanceIdentity],
  exports: [RedisConnections, InstanceIdentity],
})
export class RedisModule {}
