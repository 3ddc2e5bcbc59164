#!/usr/bin/env node
// Measures the database reads of sign-in and of every authenticated request on FerretDB with
// 10,000 users and 10,000 sessions stored: a session by `_id` with an expiry condition, a
// conditional update by `_id`, and a user by username / a session by token hash, each the old
// way (a filter on a field) and the new way (the key collection's row, then the document, both
// by `_id`). Reports wall time per operation and FerretDB's own CPU time per operation (from
// /proc, so a loaded machine inflates it less than the wall time).
//
// Usage: node scripts/measure-hot-paths.mjs [ferretdb-binary] [rounds]
//        (default: .cache/bin/ferretdb; run it on a binary without scripts/ferretdb/id-pushdown.patch to compare)
import { createHash, randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { cpuMsOf, startFerretDb } from './start-ferretdb.mjs';

const DOCUMENTS = 10_000;
const SECONDS_PER_CASE = 2;
const binary = process.argv[2] ?? '.cache/bin/ferretdb';
const rounds = Number(process.argv[3] ?? 3);

const server = await startFerretDb(binary);
const client = await MongoClient.connect(server.uri, { maxPoolSize: 1 });
const db = client.db('measure');
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

const now = new Date();
const later = new Date(now.getTime() + 30 * 86400_000);
const users = Array.from({ length: DOCUMENTS }, (_, i) => {
  const id = randomUUID();
  return {
    _id: id,
    username: `User${i}`,
    username_key: `user${i}`,
    email: null,
    email_key: `~${id}`,
    display_name: `User number ${i}`,
    password_hash: `$2b$10$${sha256(id).slice(0, 53)}`,
    score: 0,
    role: 'user',
    is_active: true,
    last_login: null,
    username_claimed: true,
    created_at: now,
    updated_at: now,
  };
});
const sessions = users.map((user) => ({
  _id: randomUUID(),
  user_id: user._id,
  token_hash: sha256(randomUUID()),
  refresh_hash: sha256(randomUUID()),
  previous_refresh_hash: null,
  rotated_at: null,
  refresh_generation: 0,
  ip: '127.0.0.1',
  user_agent: 'measure-hot-paths',
  created_at: now,
  last_used_at: now,
  expires_at: later,
  revoked_at: null,
  revoked_reason: null,
  token_keyed: true,
}));
for (let start = 0; start < DOCUMENTS; start += 1000) {
  await db.collection('users').insertMany(users.slice(start, start + 1000));
  await db.collection('sessions').insertMany(sessions.slice(start, start + 1000));
  await db.collection('usernames').insertMany(users.slice(start, start + 1000).map((u) => ({ _id: u.username_key, user_id: u._id, claimed_at: now })));
  await db
    .collection('session_tokens')
    .insertMany(sessions.slice(start, start + 1000).map((s) => ({ _id: s.token_hash, session_id: s._id, expires_at: s.expires_at })));
}
await db.collection('users').createIndex({ username_key: 1 }, { unique: true });
await db.collection('sessions').createIndex({ token_hash: 1 }, { unique: true });

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const cases = {
  'session by _id + expires_at > now': () => db.collection('sessions').findOne({ _id: pick(sessions)._id, expires_at: { $gt: new Date() } }),
  'conditional update by _id (touch)': () =>
    db.collection('sessions').updateOne({ _id: pick(sessions)._id, revoked_at: null }, { $set: { last_used_at: new Date() } }),
  'user by username_key (old sign-in)': () => db.collection('users').findOne({ username_key: pick(users).username_key }),
  'usernames row, then user by _id (new sign-in)': async () => {
    const row = await db.collection('usernames').findOne({ _id: pick(users).username_key });
    return db.collection('users').findOne({ _id: row.user_id });
  },
  'session by token_hash (old token check)': () => db.collection('sessions').findOne({ token_hash: pick(sessions).token_hash }),
  'session_tokens row, then session by _id (new token check)': async () => {
    const row = await db.collection('session_tokens').findOne({ _id: pick(sessions).token_hash });
    return db.collection('sessions').findOne({ _id: row.session_id });
  },
};

console.log(`binary: ${binary}; ${DOCUMENTS} users and ${DOCUMENTS} sessions; per operation, ${rounds} rounds`);
for (const [name, operation] of Object.entries(cases)) {
  const figures = [];
  for (let round = 0; round < rounds; round++) {
    // For about two seconds each: a read that scans 10,000 documents takes tens of milliseconds.
    let count = 0;
    const cpuBefore = cpuMsOf(server.pid);
    const started = performance.now();
    while (count < 3 || performance.now() - started < SECONDS_PER_CASE * 1000) {
      if (!(await operation())) throw new Error(`${name}: nothing found`);
      count++;
    }
    const wallMs = (performance.now() - started) / count;
    const cpuMs = (cpuMsOf(server.pid) - cpuBefore) / count;
    figures.push(`${wallMs.toFixed(2)} ms (FerretDB CPU ${cpuMs.toFixed(2)} ms)`);
  }
  console.log(`${name}: ${figures.join(', ')}`);
}

await client.close();
server.stop();
