import { strictMock } from '../../../../test/utils/strict-mock';
import { PRESENCE_WINDOW_MS, PresenceAnnouncement, PresenceAnnouncer } from './presence-announcer';
import type { PresenceStore } from './presence.store';

const alice = { id: 'u1', username: 'alice' };
const bob = { id: 'u2', username: 'bob' };
const carol = { id: 'u3', username: 'carol' };

describe('PresenceAnnouncer', () => {
  let sent: { at: number; announcement: PresenceAnnouncement }[];

  function announcer(store: PresenceStore): PresenceAnnouncer {
    const announcer = new PresenceAnnouncer(store);
    announcer.attach((announcements) => announcements.forEach((announcement) => sent.push({ at: Date.now(), announcement })));
    return announcer;
  }

  /** Runs the timers due within `ms` and the promise callbacks they start. */
  async function advance(ms: number): Promise<void> {
    await jest.advanceTimersByTimeAsync(ms);
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    sent = [];
  });
  afterEach(() => jest.useRealTimers());

  describe('alone (in-memory presence)', () => {
    const store = strictMock<PresenceStore>({ clusterWide: false }, 'presence store');

    it('sends what one window gathered in one flush, in order, and the next window no sooner than a window later', async () => {
      const subject = announcer(store);
      subject.connected(alice);
      subject.connected(bob);
      expect(sent).toEqual([]);
      await advance(1);
      expect(sent.map(({ announcement }) => announcement)).toEqual([
        { event: 'userConnected', payload: alice },
        { event: 'userConnected', payload: bob },
      ]);

      subject.connected(carol);
      subject.disconnected(alice.id);
      await advance(PRESENCE_WINDOW_MS - 2);
      expect(sent).toHaveLength(2);
      await advance(1);
      expect(sent.slice(2).map(({ announcement }) => announcement)).toEqual([
        { event: 'userConnected', payload: carol },
        { event: 'userDisconnected', payload: { userId: alice.id } },
      ]);
      expect(sent[2].at - sent[0].at).toBeGreaterThanOrEqual(PRESENCE_WINDOW_MS);
    });

    it("keeps only a user's latest change within a window, in the order of those latest changes", async () => {
      const subject = announcer(store);
      subject.connected(alice);
      subject.connected(bob);
      subject.disconnected(alice.id);
      subject.disconnected(carol.id);
      subject.connected(carol);
      await advance(1);
      expect(sent.map(({ announcement }) => announcement)).toEqual([
        { event: 'userConnected', payload: bob },
        { event: 'userDisconnected', payload: { userId: alice.id } },
        { event: 'userConnected', payload: carol },
      ]);
    });

    it('sends everything at once after stop', async () => {
      const subject = announcer(store);
      subject.connected(alice);
      subject.stop();
      expect(sent.map(({ announcement }) => announcement)).toEqual([{ event: 'userConnected', payload: alice }]);
      subject.disconnected(alice.id);
      expect(sent).toHaveLength(2);
      await advance(10 * PRESENCE_WINDOW_MS);
      expect(sent).toHaveLength(2);
    });
  });

  describe('cluster-wide (Redis presence)', () => {
    it('drops what a newer change on another instance contradicts, with one read per window', async () => {
      const onlineAmong = jest.fn().mockResolvedValue(new Set([alice.id]));
      const subject = announcer(strictMock<PresenceStore>({ clusterWide: true, onlineAmong }, 'presence store'));
      subject.disconnected(alice.id);
      subject.connected(bob);
      subject.disconnected(carol.id);
      await advance(1);
      expect(onlineAmong).toHaveBeenCalledTimes(1);
      expect(onlineAmong).toHaveBeenCalledWith([alice.id, bob.id, carol.id]);
      expect(sent.map(({ announcement }) => announcement)).toEqual([{ event: 'userDisconnected', payload: { userId: carol.id } }]);
    });

    it('counts the next window from the push, which waits for its check', async () => {
      // The first check takes 60 ms, the second answers at once.
      let answer = 60;
      const onlineAmong = jest.fn(
        (userIds: string[]) => new Promise<Set<string>>((resolve) => setTimeout(() => resolve(new Set(userIds)), (answer -= 60) + 60)),
      );
      const subject = announcer(strictMock<PresenceStore>({ clusterWide: true, onlineAmong }, 'presence store'));
      subject.connected(alice);
      await advance(1);
      subject.connected(bob);
      await advance(5 * PRESENCE_WINDOW_MS);
      expect(sent.map(({ announcement }) => announcement)).toEqual([
        { event: 'userConnected', payload: alice },
        { event: 'userConnected', payload: bob },
      ]);
      expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(PRESENCE_WINDOW_MS);
    });

    it('announces unchecked when the store cannot answer', async () => {
      const onlineAmong = jest.fn().mockRejectedValue(new Error('Redis away'));
      const subject = announcer(strictMock<PresenceStore>({ clusterWide: true, onlineAmong }, 'presence store'));
      subject.connected(alice);
      await advance(1);
      expect(sent.map(({ announcement }) => announcement)).toEqual([{ event: 'userConnected', payload: alice }]);
    });
  });
});
