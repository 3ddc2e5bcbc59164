import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';

/** The name this process answers to among several instances: `INSTANCE_ID`, else host and pid. */
@Injectable()
export class InstanceIdentity {
  readonly id: string;

  constructor(config: ConfigService<Env, true>) {
    this.id = config.get('INSTANCE_ID', { infer: true }) ?? `${hostname()}-${process.pid}`;
  }
}
