import { Injectable, OnModuleInit } from '@nestjs/common';
import { MetricsSources } from '../metrics/metrics-sources.service';
import { CallRegistry } from './call-registry';

/** The signaling module offers its own figure (calls ringing or connected) to the metrics module. */
@Injectable()
export class SignalingMetrics implements OnModuleInit {
  constructor(
    private readonly calls: CallRegistry,
    private readonly sources: MetricsSources,
  ) {}

  onModuleInit(): void {
    this.sources.registerCallSource(() => this.calls.count());
  }
}
