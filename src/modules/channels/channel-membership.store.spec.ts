import { InMemoryChannelMembershipStore } from './channel-membership.store';

describe('InMemoryChannelMembershipStore', () => {
  it('admits exactly one of two users racing for the last seat', async () => {
    const store = new InMemoryChannelMembershipStore();
    await store.join('c', 'u1', 'k1', 2);
    const outcomes = await Promise.all([store.join('c', 'u2', 'k2', 2), store.join('c', 'u3', 'k3', 2)]);
    expect(outcomes).toEqual([{ status: 'joined', firstConnection: true }, { status: 'full' }]);
    expect(await store.members('c')).toEqual(['u1', 'u2']);
  });

  it('counts users, not connections, and reports the first and last connection', async () => {
    const store = new InMemoryChannelMembershipStore();
    expect(await store.join('c', 'u1', 'k1', 1)).toEqual({ status: 'joined', firstConnection: true });
    expect(await store.join('c', 'u1', 'k2', 1)).toEqual({ status: 'joined', firstConnection: false });
    expect(await store.join('c', 'u2', 'k3', 1)).toEqual({ status: 'full' });
    expect(await store.leave('c', 'u1', 'k1')).toEqual({ left: true, lastConnection: false });
    expect(await store.leave('c', 'u1', 'k1')).toEqual({ left: false, lastConnection: false });
    expect(await store.leave('c', 'u1', 'k2')).toEqual({ left: true, lastConnection: true });
    expect(await store.activeChannelCount()).toBe(0);
  });

  it('lists channels of a user, counts, removes a channel and clears', async () => {
    const store = new InMemoryChannelMembershipStore();
    await store.join('a', 'u1', 'k1', 5);
    await store.join('b', 'u1', 'k1', 5);
    await store.join('b', 'u2', 'k2', 5);
    expect(await store.channelsOf('u1')).toEqual(['a', 'b']);
    expect(await store.counts(['a', 'b', 'z'])).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
        ['z', 0],
      ]),
    );
    expect(await store.removeChannel('b')).toEqual(['u1', 'u2']);
    expect(await store.channelsOf('u1')).toEqual(['a']);
    expect(await store.clear()).toBe(1);
    expect(await store.members('a')).toEqual([]);
  });
});
