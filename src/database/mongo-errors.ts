interface MongoLikeError {
  code?: number;
  keyPattern?: Record<string, unknown>;
  message?: string;
}

/**
 * For a duplicate-key error (E11000): the indexed field it names, or '' when the
 * server does not say (FerretDB). Undefined for any other error.
 */
export function duplicateKeyField(error: unknown): string | undefined {
  const mongo = error as MongoLikeError | undefined;
  // FerretDB v1 reports a unique violation by an update (not an insert) as code 1,
  // "UNIQUE constraint failed: index '<collection>_<hash>_<field>_1'".
  const ferretUpdate = mongo?.code === 1 ? /UNIQUE constraint failed: index '[^']*?_[0-9a-f]{8}_([A-Za-z0-9_.]+?)_-?1'/.exec(mongo.message ?? '') : null;
  if (ferretUpdate) return ferretUpdate[1];
  if (mongo?.code !== 11000) return undefined;
  const fromPattern = mongo.keyPattern ? Object.keys(mongo.keyPattern)[0] : undefined;
  // FerretDB reports no keyPattern; its message names the index ("index: <field>_1").
  return fromPattern ?? /index: ([A-Za-z0-9_.]+?)_-?1\b/.exec(mongo.message ?? '')?.[1] ?? '';
}

/** Driver and mongoose errors that mean "no server to talk to", as opposed to a refused operation. */
const UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
]);

export function isUnreachableError(error: unknown): boolean {
  return error instanceof Error && UNREACHABLE.has(error.name);
}
