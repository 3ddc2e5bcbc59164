import { randomUUID } from 'node:crypto';
import { Connection, createConnection } from 'mongoose';

/**
 * The database the e2e run uses (the embedded FerretDB unless TEST_MONGODB_URI names another)
 * applies updates atomically per document across connections: the service runs one ordinary
 * pool, and several instances share one database. Each connection below is a separate pool of
 * one, so every race is between connections. Stock FerretDB v1.24.2 fails all three.
 */
interface Doc {
  _id: string;
  n?: number;
  seats?: number;
  members?: string[];
  refresh_hash?: string;
  rotations?: number;
}

describe('database atomicity across connections', () => {
  const CONNECTIONS = 10;
  let connections: Connection[];
  const collection = (i: number, name: string) => connections[i % CONNECTIONS].db!.collection<Doc>(name);

  beforeAll(async () => {
    const uri = process.env.MONGODB_URI!;
    const dbName = `${process.env.MONGODB_DB}_atomicity`;
    connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => createConnection(uri, { dbName, maxPoolSize: 1 }).asPromise()));
  });
  afterAll(async () => {
    await connections[0].db!.dropDatabase();
    await Promise.all(connections.map((connection) => connection.close()));
  });

  it('lands every one of 50 parallel $inc of one counter', async () => {
    const id = randomUUID();
    await collection(0, 'counters').insertOne({ _id: id, n: 0 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => collection(i, 'counters').updateOne({ _id: id }, { $inc: { n: 1 } })));
    expect(results.every((result) => result.modifiedCount === 1)).toBe(true);
    expect(await collection(0, 'counters').findOne({ _id: id })).toEqual({ _id: id, n: 50 });
  });

  it('lets exactly 2 of 10 parallel "take a seat if fewer than 2 are taken" claims match', async () => {
    const id = randomUUID();
    await collection(0, 'channels').insertOne({ _id: id, seats: 0, members: [] });
    const claims = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) =>
        collection(i, 'channels').findOneAndUpdate(
          { _id: id, seats: { $lt: 2 } },
          { $inc: { seats: 1 }, $push: { members: `user-${i}` } },
          { returnDocument: 'after' },
        ),
      ),
    );
    const winners = claims.filter((claim) => claim !== null);
    expect(winners.map((claim) => claim.seats).sort()).toEqual([1, 2]);
    const stored = await collection(0, 'channels').findOne({ _id: id });
    expect(stored?.seats).toBe(2);
    expect(stored?.members).toHaveLength(2);
  });

  it('lets exactly 1 of 10 parallel rotations of one refresh token succeed', async () => {
    const id = randomUUID();
    await collection(0, 'sessions').insertOne({ _id: id, refresh_hash: 'first', rotations: 0 });
    const successors = Array.from({ length: CONNECTIONS }, () => randomUUID());
    const rotations = await Promise.all(
      successors.map((successor, i) =>
        collection(i, 'sessions').updateOne({ _id: id, refresh_hash: 'first' }, { $set: { refresh_hash: successor }, $inc: { rotations: 1 } }),
      ),
    );
    expect(rotations.map((rotation) => rotation.modifiedCount).reduce((sum, n) => sum + n, 0)).toBe(1);
    const stored = await collection(0, 'sessions').findOne({ _id: id });
    expect(stored?.rotations).toBe(1);
    expect(successors[rotations.findIndex((rotation) => rotation.modifiedCount === 1)]).toBe(stored?.refresh_hash);
  });
});
