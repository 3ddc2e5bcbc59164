import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/openapi/api-responses';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../../common/auth/auth.decorators';
import { AppError } from '../../common/errors/app-error';
import type { Env } from '../../config/env.validation';
import { MetricsRecorder } from './metrics-recorder.service';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Prometheus scrape endpoint; guarded by METRICS_TOKEN (not by user auth) when that is set. */
@ApiTags('metrics')
@Public()
@SkipThrottle()
@Controller('metrics')
export class PrometheusController {
  private readonly expected: Buffer | null;

  constructor(
    config: ConfigService<Env, true>,
    private readonly recorder: MetricsRecorder,
  ) {
    const token = config.get('METRICS_TOKEN', { infer: true });
    this.expected = token ? digest(`Bearer ${token}`) : null;
  }

  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors('UNAUTHORIZED')
  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    // Hashing both sides gives equal lengths, so the comparison is constant-time whatever was sent.
    if (this.expected && !timingSafeEqual(digest(authorization ?? ''), this.expected)) {
      throw new AppError('UNAUTHORIZED', 'A valid metrics token is required', undefined, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    const registry = this.recorder.registry;
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  }
}
