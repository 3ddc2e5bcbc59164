import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { AccessLogMiddleware } from './logger.module';

describe('AccessLogMiddleware', () => {
  const info = jest.fn();
  const middleware = (level = true) => new AccessLogMiddleware({ pinoHttp: { logger: { isLevelEnabled: () => level, info } } } as unknown as Params);
  const request = (url: string, headers: Record<string, string> = {}) =>
    ({ method: 'GET', url, headers, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage & { id?: string };
  const setHeader = jest.fn();
  const response = (finished: boolean) =>
    Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: finished, setHeader }) as unknown as ServerResponse;

  beforeEach(() => {
    info.mockReset();
    setHeader.mockReset();
  });

  it('gives the request its id and answers it in X-Request-Id, then logs one line when the answer is done', () => {
    const req = request('/api/users', { 'x-request-id': 'trace-1' });
    const res = response(true);
    const next = jest.fn();
    middleware().use(req, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(req.id).toBe('trace-1');
    expect(setHeader).toHaveBeenCalledWith('X-Request-Id', 'trace-1');
    expect(info).not.toHaveBeenCalled();
    res.emit('close');
    res.emit('close');
    expect(info).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith(
      {
        req: { id: 'trace-1', method: 'GET', path: '/api/users', remoteAddress: '127.0.0.1' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number) as number,
      },
      'request completed',
    );
  });

  it('says when the client went away before the answer was written', () => {
    const res = response(false);
    middleware().use(request('/api/users'), res, jest.fn());
    res.emit('close');
    expect(info).toHaveBeenCalledWith(expect.anything(), 'request aborted');
  });

  it('waits for nothing on probes, or when info lines are not written', () => {
    for (const [url, level] of [
      ['/health', true],
      ['/api/users', false],
    ] as const) {
      const res = response(true);
      middleware(level).use(request(url), res, jest.fn());
      expect(res.listenerCount('close')).toBe(0);
      expect(setHeader).toHaveBeenCalledWith('X-Request-Id', expect.any(String));
    }
  });
});
