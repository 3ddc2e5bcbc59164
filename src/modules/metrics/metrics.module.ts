import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { SocketMetrics } from '../../common/websocket/socket-metrics';
import { AlertsService } from './alerts.service';
import { CpuSampler } from './cpu-sampler.service';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsCollector } from './metrics-collector.service';
import { MetricsRecorder } from './metrics-recorder.service';
import { MetricsSources } from './metrics-sources.service';
import { MetricsController } from './metrics.controller';
import { MetricsListeners } from './metrics.listeners';
import { MetricsService } from './metrics.service';
import { PrometheusController } from './prometheus.controller';
import { PrometheusGauges } from './prometheus-gauges';

/**
 * Global so feature modules can report (MetricsRecorder), offer their figures
 * (MetricsSources) and read the process CPU (CpuSampler) without importing it.
 */
@Global()
@Module({
  controllers: [MetricsController, PrometheusController],
  providers: [
    MetricsRecorder,
    { provide: SocketMetrics, useExisting: MetricsRecorder },
    MetricsSources,
    CpuSampler,
    MetricsCollector,
    AlertsService,
    MetricsService,
    MetricsListeners,
    PrometheusGauges,
  ],
  exports: [MetricsRecorder, SocketMetrics, MetricsSources, CpuSampler, MetricsCollector, MetricsService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
