import { Global, Module } from '@nestjs/common';
import { MetricsRecorder } from './metrics-recorder.service';

/** Global so realtime, voice and auth code can report without importing this module. */
@Global()
@Module({
  providers: [MetricsRecorder],
  exports: [MetricsRecorder],
})
export class MetricsModule {}
