import { Global, Module } from '@nestjs/common';
import { InstanceLiveness } from './instance-liveness';

/** Liveness of the instances sharing Redis, for the stores that release a dead instance's entries. */
@Global()
@Module({
  providers: [InstanceLiveness],
  exports: [InstanceLiveness],
})
export class ClusterModule {}
