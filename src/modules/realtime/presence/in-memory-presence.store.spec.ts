import { InMemoryPresenceStore } from './in-memory-presence.store';

describe('InMemoryPresenceStore', () => {
  const at = (seconds: number) => Date.UTC(2026, 0, 1, 0, 0, seconds);

  it('tells first and last connections of a user apart and counts sockets', async () => {
    const store = new InMemoryPresenceStore();
    expect(await store.add({ userId: 'u1', username: 'alice', socketId: 's1', connectedAt: at(5) })).toEqual({ first: true });
    expect(await store.add({ userId: 'u1', username: 'alice', socketId: 's2', connectedAt: at(3) })).toEqual({ first: false });
    expect(await store.add({ userId: 'u2', username: 'bob', socketId: 's3', connectedAt: at(4) })).toEqual({ first: true });
    expect(await store.connectionCount('u1')).toBe(2);
    expect(await store.totalConnections()).toBe(3);
    expect(await store.users()).toEqual([
      { id: 'u1', username: 'alice', connections: 2, connected_since: '2026-01-01T00:00:03.000Z' },
      { id: 'u2', username: 'bob', connections: 1, connected_since: '2026-01-01T00:00:04.000Z' },
    ]);

    expect(await store.remove('u1', 's1')).toEqual({ last: false });
    expect(await store.remove('u1', 's1')).toEqual({ last: false });
    expect(await store.remove('u1', 's2')).toEqual({ last: true });
    expect(await store.connectionCount('u1')).toBe(0);
    expect(await store.totalConnections()).toBe(1);
    expect((await store.users()).map((user) => user.id)).toEqual(['u2']);
  });

  it('ignores a socket it never saw and counts a re-added socket once', async () => {
    const store = new InMemoryPresenceStore();
    expect(await store.remove('ghost', 's0')).toEqual({ last: false });
    await store.add({ userId: 'u1', username: 'alice', socketId: 's1', connectedAt: at(1) });
    await store.add({ userId: 'u1', username: 'alice', socketId: 's1', connectedAt: at(1) });
    expect(await store.totalConnections()).toBe(1);
  });
});
