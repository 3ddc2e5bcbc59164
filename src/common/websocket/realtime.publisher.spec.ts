import { strictMock } from '../../../test/utils/strict-mock';
import type { ClusterBus } from '../redis/cluster-bus';
import { RealtimePublisher, RealtimeTransport } from './realtime.publisher';

/** Feature modules declare the real events; these tests need none of them. */
const EVENT = 'test_event' as never;

function fakeTransport(name: string, events?: ReadonlySet<string>) {
  const calls = { toUser: jest.fn(), toAll: jest.fn(), disconnectSession: jest.fn(), disconnectUser: jest.fn() };
  return { calls, transport: strictMock<RealtimeTransport>({ name, events, ...calls }, name) };
}

describe('RealtimePublisher', () => {
  let publish: jest.Mock;
  let handler: (message: unknown) => void;
  let publisher: RealtimePublisher;

  beforeEach(() => {
    publish = jest.fn();
    const subscribe = jest.fn((_topic: string, listener: (message: unknown) => void) => (handler = listener));
    publisher = new RealtimePublisher(strictMock<ClusterBus>({ publish, subscribe }, 'cluster bus'));
    publisher.onModuleInit();
  });

  it('delivers locally on every transport and sends the call to the other instances for the local-only ones', () => {
    const io = fakeTransport('socket.io');
    const ws = fakeTransport('ws');
    publisher.registerTransport(io.transport, { clusterWide: true });
    publisher.registerTransport(ws.transport);

    publisher.toUser('u1', EVENT, { n: 1 } as never);
    publisher.disconnectSession('s1');
    expect(io.calls.toUser).toHaveBeenCalledWith('u1', 'test_event', { n: 1 });
    expect(ws.calls.toUser).toHaveBeenCalledWith('u1', 'test_event', { n: 1 });
    expect(ws.calls.disconnectSession).toHaveBeenCalledWith('s1');
    expect(publish.mock.calls).toEqual([
      ['realtime', { op: 'toUser', userId: 'u1', event: 'test_event', payload: { n: 1 } }],
      ['realtime', { op: 'disconnectSession', sessionId: 's1' }],
    ]);
  });

  it('applies what another instance sent to the local-only transports only, and ignores malformed messages', () => {
    const io = fakeTransport('socket.io');
    const ws = fakeTransport('ws');
    publisher.registerTransport(io.transport, { clusterWide: true });
    publisher.registerTransport(ws.transport);

    handler({ op: 'toAll', event: 'test_event', payload: { n: 2 } });
    handler({ op: 'disconnectUser', userId: 'u2' });
    handler({ op: 'disconnectUser', userId: { $ne: 1 } });
    handler({ op: 'eval' });
    handler(null);
    expect(ws.calls.toAll).toHaveBeenCalledWith('test_event', { n: 2 });
    expect(ws.calls.disconnectUser).toHaveBeenCalledTimes(1);
    expect(io.calls.toAll).not.toHaveBeenCalled();
    expect(io.calls.disconnectUser).not.toHaveBeenCalled();
    expect(publish).not.toHaveBeenCalled();
  });

  it('publishes nothing when every transport reaches every instance by itself', () => {
    const io = fakeTransport('socket.io');
    publisher.registerTransport(io.transport, { clusterWide: true });
    publisher.toAll(EVENT, { n: 3 } as never);
    expect(io.calls.toAll).toHaveBeenCalledTimes(1);
    expect(publish).not.toHaveBeenCalled();
  });

  it('sends a push to the other instances only when a local-only transport carries its event; disconnects always', () => {
    const io = fakeTransport('socket.io');
    const ws = fakeTransport('ws', new Set(['message']));
    publisher.registerTransport(io.transport, { clusterWide: true });
    publisher.registerTransport(ws.transport);

    publisher.toUser('u1', EVENT, { n: 5 } as never);
    publisher.toAll(EVENT, { n: 6 } as never);
    expect(io.calls.toUser).toHaveBeenCalledWith('u1', 'test_event', { n: 5 });
    expect(publish).not.toHaveBeenCalled();

    publisher.toUser('u1', 'message' as never, { n: 7 } as never);
    publisher.disconnectUser('u1');
    expect(publish.mock.calls).toEqual([
      ['realtime', { op: 'toUser', userId: 'u1', event: 'message', payload: { n: 7 } }],
      ['realtime', { op: 'disconnectUser', userId: 'u1' }],
    ]);
  });

  it('keeps delivering on the other transports when one throws', () => {
    const broken = fakeTransport('broken');
    broken.calls.toAll.mockImplementation(() => {
      throw new Error('boom');
    });
    const ws = fakeTransport('ws');
    publisher.registerTransport(broken.transport, { clusterWide: true });
    publisher.registerTransport(ws.transport, { clusterWide: true });
    publisher.toAll(EVENT, { n: 4 } as never);
    expect(ws.calls.toAll).toHaveBeenCalledWith('test_event', { n: 4 });
  });
});
