import type { IncomingMessage, ServerResponse } from 'node:http';
import { accessLogSerializers, databaseLabel, ignoredInAccessLog, prettyTransport, startupLine } from './log-format';

describe('log format', () => {
  it('logs a request by id, method, path and peer, never its headers or query string', () => {
    const req = {
      id: 'r1',
      method: 'GET',
      url: '/user?token=secret',
      originalUrl: '/auth/user?token=secret',
      headers: { authorization: 'Bearer secret' },
      socket: { remoteAddress: '10.0.0.7' },
    } as unknown as IncomingMessage;
    expect(accessLogSerializers.req(req)).toEqual({ id: 'r1', method: 'GET', path: '/auth/user', remoteAddress: '10.0.0.7' });
    expect(accessLogSerializers.req({ method: 'GET', url: '/x?y', socket: {} } as unknown as IncomingMessage)).toEqual({
      id: undefined,
      method: 'GET',
      path: '/x',
      remoteAddress: undefined,
    });
    const proxied = { method: 'GET', url: '/x', ip: '203.0.113.9', socket: { remoteAddress: '10.0.0.1' } } as unknown as IncomingMessage;
    expect(accessLogSerializers.req(proxied).remoteAddress).toBe('203.0.113.9');
    expect(accessLogSerializers.res({ statusCode: 201, getHeaders: () => ({ 'set-cookie': 'x' }) } as unknown as ServerResponse)).toEqual({ statusCode: 201 });
  });

  it('keeps probes and scrapes out of the access log, and nothing else', () => {
    for (const url of ['/health', '/health/live', '/health/ready?x=1', '/metrics', '/metrics?name[]=a'])
      expect([url, ignoredInAccessLog(url)]).toEqual([url, true]);
    for (const url of ['/healthy', '/api/metrics/current', '/users', undefined]) expect([url, ignoredInAccessLog(url)]).toEqual([url, false]);
  });

  it('is pretty only at a development terminal with pino-pretty installed', () => {
    expect(prettyTransport('development', true)).toMatchObject({ target: 'pino-pretty', options: { colorize: true } });
    expect(prettyTransport('test', true)).toMatchObject({ target: 'pino-pretty' });
    expect(prettyTransport('production', true)).toBeUndefined();
    expect(prettyTransport('development', false)).toBeUndefined();
    const missing = () => {
      throw new Error('Cannot find module');
    };
    expect(prettyTransport('development', true, missing)).toBeUndefined();
  });

  it('names the database without credentials', () => {
    expect(databaseLabel(undefined, 'realtime')).toBe('embedded FerretDB, database "realtime"');
    expect(databaseLabel('mongodb://admin:s3cret@db1:27017,db2:27017/x?replicaSet=rs', 'realtime')).toBe('mongodb://db1:27017,db2:27017, database "realtime"');
    expect(databaseLabel('mongodb+srv://u:p@cluster0.example.net', 'app')).toBe('mongodb+srv://cluster0.example.net, database "app"');
  });

  it('says where the service answers, on which data, and where the docs are', () => {
    expect(startupLine({ url: 'http://localhost:3000', database: 'embedded FerretDB, database "realtime"', docs: true })).toBe(
      'Listening on http://localhost:3000 | database: embedded FerretDB, database "realtime" | API docs http://localhost:3000/docs',
    );
    expect(startupLine({ url: 'http://h:1', database: 'd', docs: false })).toBe('Listening on http://h:1 | database: d | API docs off (SWAGGER_ENABLED=false)');
  });
});
