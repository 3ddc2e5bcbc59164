import { randomUUID } from 'node:crypto';
import { UserStatsService } from '../../src/modules/stats/user-stats.service';
import { loginAs } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { closeAll, connectAs } from '../utils/sockets';
import { connectWs } from '../utils/voice';

describe('user statistics persistence', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.clearDatabase());
  afterAll(() => t.close());

  it('flushes the counters of many users at once (stock FerretDB deadlocked on update commands of 100+ statements)', async () => {
    const stats = t.app.get(UserStatsService);
    const ids = Array.from({ length: 250 }, () => randomUUID());
    // Twice: the second flush updates existing documents, which is what held the connections.
    for (const round of [1, 2]) {
      for (const id of ids) stats.add(id, { messages_sent: 1, audio_packets_sent: 25 });
      if (round === 2) stats.add(ids[0], { messages_sent: 1 });
      await stats.flush();
    }

    const stored = await t.connection.collection('user_stats').find({}).toArray();
    expect(stored).toHaveLength(250);
    expect(stored.every((doc) => doc.audio_packets_sent === 50)).toBe(true);
    expect(stored.reduce((sum, doc) => sum + doc.messages_sent, 0)).toBe(501);
    expect(await stats.get(ids[0])).toMatchObject({ messages_sent: 3, audio_packets_sent: 50, last_seen: null });
  });

  it('counts every connection in total_connections: `/`, `/voice` and `/ws` each', async () => {
    const alice = await loginAs(t);
    const statistics = async () => (await t.http().get(`/api/advanced/users/${alice.user.id}/statistics`).set(alice.headers).expect(200)).body.data;
    expect((await statistics()).total_connections).toBe(0);
    const root = await connectAs(t.url, alice.accessToken);
    const voice = await connectAs(t.url, alice.accessToken, '/voice');
    const ws = await connectWs(t, alice.accessToken);
    try {
      await eventually(async () => expect((await statistics()).total_connections).toBe(3));
    } finally {
      closeAll(root, voice);
      ws.close();
    }
  });
});
