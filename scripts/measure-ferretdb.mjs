#!/usr/bin/env node
// Measures what docs/database.md reports about concurrent updates on FerretDB: lost `$inc`s,
// conditional claims and token rotations that match more than once, and read throughput by
// connection count. Every client below has its own connection (maxPoolSize 1), so the races
// are between connections, as between the connections of a pool or of several instances.
//
// Usage: node scripts/measure-ferretdb.mjs [ferretdb-binary | mongodb-uri]
//        (default: .cache/bin/ferretdb, started on a scratch data folder)
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { startFerretDb } from './start-ferretdb.mjs';

const CONNECTIONS = 10;
const ROUNDS = 5;
const target = process.argv[2] ?? '.cache/bin/ferretdb';

const server = target.startsWith('mongodb') ? undefined : await startFerretDb(target);
const uri = server?.uri ?? target;

const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => MongoClient.connect(uri, { maxPoolSize: 1, serverSelectionTimeoutMS: 5000 })));
const db = (i) => clients[i % CONNECTIONS].db('measure');
const results = {};

// 50 parallel `$inc` of one counter, spread over the connections.
{
  const landed = [];
  for (let round = 0; round < ROUNDS; round++) {
    const id = randomUUID();
    await db(0).collection('counters').insertOne({ _id: id, n: 0 });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        db(i)
          .collection('counters')
          .updateOne({ _id: id }, { $inc: { n: 1 } }),
      ),
    );
    landed.push((await db(0).collection('counters').findOne({ _id: id })).n);
  }
  results['50 parallel $inc: landed (expect 50)'] = landed;
}

// 10 parallel "take a seat if fewer than 2 are taken".
{
  const matched = [];
  for (let round = 0; round < ROUNDS; round++) {
    const id = randomUUID();
    await db(0).collection('channels').insertOne({ _id: id, seats: 0 });
    const claims = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) =>
        db(i)
          .collection('channels')
          .findOneAndUpdate({ _id: id, seats: { $lt: 2 } }, { $inc: { seats: 1 } }, { returnDocument: 'after' }),
      ),
    );
    matched.push(claims.filter(Boolean).length);
  }
  results['10 parallel claims "seats < 2": matched (expect 2)'] = matched;
}

// 10 parallel rotations of one refresh token: only one may succeed.
{
  const matched = [];
  for (let round = 0; round < ROUNDS; round++) {
    const id = randomUUID();
    await db(0).collection('sessions').insertOne({ _id: id, token: 'first' });
    const rotations = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, i) =>
        db(i)
          .collection('sessions')
          .findOneAndUpdate({ _id: id, token: 'first' }, { $set: { token: randomUUID() } }, { returnDocument: 'after' }),
      ),
    );
    matched.push(rotations.filter(Boolean).length);
  }
  results['10 parallel rotations of one token: matched (expect 1)'] = matched;
}

async function rate(connections, seconds, operation) {
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      while (Date.now() < deadline) {
        await operation(i);
        done++;
      }
    }),
  );
  return Math.round(done / seconds);
}

await db(0)
  .collection('users')
  .insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: `user-${i}`, username: `user${i}`, score: 0 })));
const someUser = () => `user-${Math.floor(Math.random() * 100)}`;
for (const connections of [1, 8]) {
  results[`findOne by _id per second, ${connections} connection(s)`] = await rate(connections, 3, (i) =>
    db(i).collection('users').findOne({ _id: someUser() }),
  );
}
for (const connections of [1, 8]) {
  results[`updateOne $inc per second, ${connections} connection(s)`] = await rate(connections, 3, (i) =>
    db(i)
      .collection('users')
      .updateOne({ _id: someUser() }, { $inc: { score: 1 } }),
  );
}

await Promise.all(clients.map((client) => client.close()));
server?.stop();
console.log(`target: ${target}`);
for (const [name, value] of Object.entries(results)) console.log(`${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
