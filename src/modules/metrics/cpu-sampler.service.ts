import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { round } from './metrics.sample';

/**
 * The one process CPU figure every route reports: process CPU time (user and
 * system) over the wall time of the last window, in percent of one core (above
 * 100 when several cores are busy). The collector closes a window on each of
 * its samples, so a stored sample and a route reading between samples report
 * the same number, and no second timer runs; reading it costs nothing.
 */
@Injectable()
export class CpuSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private percent = 0;

  /** The last window's figure; 0 before the first window has closed. */
  current(): number {
    return this.percent;
  }

  /** Closes the current window, makes its figure `current()` and returns it. */
  take(): number {
    const at = performance.now();
    const cpu = process.cpuUsage();
    const micros = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    // A floor of 1 ms: back-to-back readings must not divide by (nearly) zero.
    this.percent = round((micros / Math.max((at - this.lastAt) * 1000, 1000)) * 100);
    this.lastCpu = cpu;
    this.lastAt = at;
    return this.percent;
  }
}
