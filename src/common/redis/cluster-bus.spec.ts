import type { Redis } from 'ioredis';
import { strictMock } from '../../../test/utils/strict-mock';
import { ClusterBus } from './cluster-bus';
import type { RedisConnections } from './redis-connections';

describe('ClusterBus.deliver', () => {
  function busWith(publish: jest.Mock): ClusterBus {
    const connection = strictMock<Redis>({ publish }, 'redis connection');
    return new ClusterBus(strictMock<RedisConnections>({ enabled: true, dedicated: jest.fn().mockReturnValue(connection) }, 'redis'));
  }

  afterEach(() => jest.useRealTimers());

  it('resolves once Redis has taken the message, and never rejects when it cannot', async () => {
    const publish = jest.fn().mockResolvedValueOnce(1).mockRejectedValueOnce(new Error('Connection is closed.'));
    const bus = busWith(publish);
    await expect(bus.deliver('users', { id: 'u1' })).resolves.toBeUndefined();
    expect(publish).toHaveBeenCalledWith('bus:users', expect.stringContaining('"message":{"id":"u1"}'));
    await expect(bus.deliver('users', { id: 'u2' })).resolves.toBeUndefined();
  });

  it('keeps its caller waiting one second at most when Redis does not answer', async () => {
    jest.useFakeTimers();
    const bus = busWith(jest.fn().mockReturnValue(new Promise(() => undefined)));
    let settled = false;
    void bus.deliver('users', { id: 'u1' }).then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
  });
});
