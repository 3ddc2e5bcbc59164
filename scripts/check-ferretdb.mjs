#!/usr/bin/env node
// Probes which MongoDB features the embedded FerretDB serves, for docs/database.md.
// Usage: node scripts/check-ferretdb.mjs [mongodb-uri]   (default: starts the embedded FerretDB)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';

const dir = mkdtempSync(join(tmpdir(), 'ferretdb-check-'));
let child;
let uri = process.argv[2];
if (!uri) {
  const port = 27000 + Math.floor(Math.random() * 1000);
  child = spawn(
    '.cache/bin/ferretdb',
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  uri = `mongodb://127.0.0.1:${port}/`;
  await new Promise((r) => setTimeout(r, 1500));
}

const maxPoolSize = Number(process.env.POOL ?? 100);
const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5000, maxPoolSize });
console.log(`connection pool size ${maxPoolSize}`);
const db = client.db('feature_check');
const results = [];
async function probe(name, fn) {
  try {
    const detail = await fn();
    results.push({ name, ok: true, detail: detail ?? '' });
  } catch (err) {
    results.push({ name, ok: false, detail: String(err.message).split('\n')[0].slice(0, 140) });
  }
}
const expectThrow = async (fn) => {
  try {
    await fn();
  } catch {
    return 'rejected as expected';
  }
  throw new Error('accepted (not enforced)');
};

const c = db.collection('things');
await c.drop().catch(() => {});
await probe('server version', async () => (await db.admin().command({ buildInfo: 1 })).version);
await probe('string _id (UUID) insert', () => c.insertOne({ _id: 'a-uuid', n: 1, name: 'Alice', score: 5 }).then(() => 'ok'));
await probe('unique index', async () => {
  await c.createIndex({ key: 1 }, { unique: true });
  await c.insertOne({ _id: 'u1', key: 'x' });
  return expectThrow(() => c.insertOne({ _id: 'u2', key: 'x' }));
});
await probe('unique index, two docs missing the field', async () => {
  await c.insertOne({ _id: 'm1' });
  return c.insertOne({ _id: 'm2' }).then(() => 'both accepted');
});
await probe('collation (case-insensitive index)', () =>
  c.createIndex({ ci: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } }).then(() => 'accepted'),
);
await probe('partial index', () => c.createIndex({ p: 1 }, { unique: true, partialFilterExpression: { p: { $exists: true } } }).then(() => 'accepted'));
await probe('sparse index', () => c.createIndex({ s: 1 }, { unique: true, sparse: true }).then(() => 'accepted'));
await probe('TTL index expiring documents', async () => {
  await c.createIndex({ exp: 1 }, { expireAfterSeconds: 0 });
  return 'index accepted (expiry not verified)';
});
await probe('$inc atomic (50 parallel)', async () => {
  await Promise.all(Array.from({ length: 50 }, () => c.updateOne({ _id: 'a-uuid' }, { $inc: { score: 1 } })));
  return `score=${(await c.findOne({ _id: 'a-uuid' })).score} (expect 55)`;
});
await probe(
  'findOneAndUpdate returnDocument after',
  async () => (await c.findOneAndUpdate({ _id: 'a-uuid' }, { $inc: { n: 1 } }, { returnDocument: 'after' }))?.n,
);
await probe(
  'findOneAndUpdate with projection',
  async () => (await c.findOneAndUpdate({ _id: 'a-uuid' }, { $inc: { n: 1 } }, { returnDocument: 'after', projection: { n: 1 } }))?.n,
);
await probe('conditional update ($lt filter) as a seat counter', async () => {
  await c.insertOne({ _id: 'seat', used: 0 });
  const r = await Promise.all(Array.from({ length: 5 }, () => c.updateOne({ _id: 'seat', used: { $lt: 1 } }, { $inc: { used: 1 } })));
  return `modified=${r.reduce((s, x) => s + x.modifiedCount, 0)} (expect 1)`;
});
await probe('$push/$pull/$addToSet', async () => {
  await c.updateOne({ _id: 'a-uuid' }, { $addToSet: { tags: 'x' } });
  await c.updateOne({ _id: 'a-uuid' }, { $push: { tags: 'y' } });
  await c.updateOne({ _id: 'a-uuid' }, { $pull: { tags: 'x' } });
  return JSON.stringify((await c.findOne({ _id: 'a-uuid' })).tags);
});
await probe('sort/skip/limit', async () => (await c.find({}).sort({ score: -1, _id: 1 }).skip(0).limit(2).toArray()).length);
await probe('countDocuments with filter', () => c.countDocuments({ score: { $gte: 0 } }));
await probe('$regex case-insensitive', async () => (await c.find({ name: { $regex: 'ali', $options: 'i' } }).toArray()).length);
await probe('$in / $nin / $exists', async () => (await c.find({ _id: { $in: ['a-uuid', 'u1'] }, key: { $exists: false } }).toArray()).length);
await probe('aggregate $match/$group/$sort/$limit', async () =>
  JSON.stringify(await c.aggregate([{ $match: {} }, { $group: { _id: null, total: { $sum: '$score' } } }, { $sort: { total: -1 } }, { $limit: 1 }]).toArray()),
);
await probe('aggregate $count', async () => JSON.stringify(await c.aggregate([{ $count: 'n' }]).toArray()));
await probe('aggregate $lookup', async () =>
  JSON.stringify(await c.aggregate([{ $lookup: { from: 'other', localField: '_id', foreignField: 'x', as: 'y' } }]).toArray()).slice(0, 30),
);
await probe('aggregate $facet', async () => JSON.stringify(await c.aggregate([{ $facet: { a: [{ $limit: 1 }] } }]).toArray()).slice(0, 30));
await probe(
  'bulkWrite upsert with $inc',
  async () => (await db.collection('stats').bulkWrite([{ updateOne: { filter: { _id: 's1' }, update: { $inc: { n: 3 } }, upsert: true } }])).upsertedCount,
);
await probe('transactions', async () => {
  const s = client.startSession();
  try {
    await s.withTransaction(async () => {
      await c.insertOne({ _id: 'tx' }, { session: s });
    });
    return 'committed';
  } finally {
    await s.endSession();
  }
});
await probe('change streams', async () => {
  const cs = c.watch();
  await cs.tryNext();
  await cs.close();
  return 'opened';
});
await probe('Date values round trip', async () => {
  const d = new Date();
  await c.insertOne({ _id: 'date', d });
  return String((await c.findOne({ _id: 'date' })).d instanceof Date);
});
await probe('deleteMany with $lt date (TTL sweep)', async () => (await c.deleteMany({ d: { $lt: new Date(Date.now() + 1000) } })).deletedCount);

await client.close();
child?.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
for (const r of results) console.log(`${r.ok ? 'yes' : 'NO '}  ${r.name}${r.detail !== '' ? ` — ${r.detail}` : ''}`);
