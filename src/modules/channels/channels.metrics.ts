import { Injectable, OnModuleInit } from '@nestjs/common';
import { MetricsSources } from '../metrics/metrics-sources.service';
import { ChannelsService } from './channels.service';

/** The channels module offers its own figures (channel counts) to the metrics module. */
@Injectable()
export class ChannelsMetrics implements OnModuleInit {
  constructor(
    private readonly channels: ChannelsService,
    private readonly sources: MetricsSources,
  ) {}

  onModuleInit(): void {
    this.sources.registerChannelSource(() => this.channels.snapshot());
  }
}
