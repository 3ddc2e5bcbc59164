import { performance } from 'node:perf_hooks';
import { CpuSampler } from './cpu-sampler.service';

describe('CpuSampler', () => {
  let cpu: jest.SpyInstance;
  let now: jest.SpyInstance;

  /** The process clock and CPU counters this test drives; the sampler reads them once each at construction. */
  function at(ms: number, user: number, system: number): void {
    now.mockReturnValueOnce(ms);
    cpu.mockReturnValueOnce({ user, system });
  }

  beforeEach(() => {
    now = jest.spyOn(performance, 'now').mockImplementation(() => {
      throw new Error('performance.now() called without a stubbed value');
    });
    cpu = jest.spyOn(process, 'cpuUsage').mockImplementation(() => {
      throw new Error('process.cpuUsage() called without a stubbed value');
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('reports 0 before the first window has closed', () => {
    at(1000, 500_000, 100_000);
    expect(new CpuSampler().current()).toBe(0);
  });

  it('reports CPU time over wall time of the last window, in percent of one core', () => {
    at(1000, 500_000, 100_000);
    const sampler = new CpuSampler();

    // 2 s of wall time, 300 ms user + 200 ms system: 25 % of one core.
    at(3000, 800_000, 300_000);
    expect(sampler.take()).toBe(25);
    expect(sampler.current()).toBe(25);

    // The next window starts where the last ended: 1 s, 1.5 s of CPU (two cores busy).
    at(4000, 2_000_000, 600_000);
    expect(sampler.take()).toBe(150);
    expect(sampler.current()).toBe(150);
  });

  it('rounds to two decimals and does not divide by a zero-length window', () => {
    at(1000, 0, 0);
    const sampler = new CpuSampler();
    // 3 s, 1 µs short of 1 s of CPU.
    at(4000, 999_999, 0);
    expect(sampler.take()).toBe(33.33);
    // Back to back: the window is floored at 1 ms.
    at(4000, 1_000_499, 0);
    expect(sampler.take()).toBe(50);
  });
});
