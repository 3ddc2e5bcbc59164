import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AlertsService } from './alerts.service';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsCollector } from './metrics-collector.service';
import { MetricsRecorder } from './metrics-recorder.service';
import { MetricsController } from './metrics.controller';
import { MetricsListeners } from './metrics.listeners';
import { MetricsService } from './metrics.service';
import { PrometheusController } from './prometheus.controller';

/** Global so realtime, voice and auth code can report without importing this module. */
@Global()
@Module({
  controllers: [MetricsController, PrometheusController],
  providers: [MetricsRecorder, MetricsCollector, AlertsService, MetricsService, MetricsListeners],
  exports: [MetricsRecorder, MetricsCollector, MetricsService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
