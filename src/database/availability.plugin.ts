import type { Connection, Schema } from 'mongoose';
import type { DatabaseAvailability } from './database-availability';
import { isUnreachableError } from './mongo-errors';

const QUERY_OPERATIONS = [
  'countDocuments',
  'distinct',
  'estimatedDocumentCount',
  'find',
  'findOne',
  'findOneAndDelete',
  'findOneAndReplace',
  'findOneAndUpdate',
  'replaceOne',
  'updateMany',
  'updateOne',
  'deleteMany',
  'deleteOne',
] as const;

/**
 * Each connection's availability. Mongoose applies a connection plugin once per schema, and
 * the schemas are shared by every connection of the process (several apps in one test
 * worker), so the hooks look the availability up from the connection they run on.
 */
const availabilityByConnection = new WeakMap<Connection, DatabaseAvailability>();

/**
 * Makes every operation on `connection` fail at once with 503 SERVICE_UNAVAILABLE while
 * the database is known down (instead of waiting out server selection), and turns
 * "no server" driver errors into the same 503 rather than a 500.
 */
export function guardConnection(connection: Connection, availability: DatabaseAvailability): void {
  availabilityByConnection.set(connection, availability);
  connection.plugin(availabilityPlugin);
}

function availabilityPlugin(schema: Schema): void {
  // Queries carry their model in `model`, aggregations in `_model`; models and documents know `db`.
  const availabilityOf = (context: { db?: Connection; model?: { db?: Connection }; _model?: { db?: Connection } }) => {
    const connection = context.model?.db ?? context._model?.db ?? context.db;
    return connection ? availabilityByConnection.get(connection) : undefined;
  };
  function refuseWhileDown(this: object): Promise<void> {
    const availability = availabilityOf(this);
    return availability && !availability.available ? Promise.reject(availability.unavailableError()) : Promise.resolve();
  }
  function mapUnreachable(this: object, error: Error, _result: unknown, next: (error?: Error) => void): void {
    const availability = availabilityOf(this);
    next(availability && isUnreachableError(error) ? availability.unavailableError() : error);
  }

  schema.pre([...QUERY_OPERATIONS], refuseWhileDown);
  schema.pre('insertMany', refuseWhileDown);
  schema.pre('bulkWrite', refuseWhileDown);
  schema.pre('aggregate', refuseWhileDown);
  schema.pre('save', refuseWhileDown);
  schema.post([...QUERY_OPERATIONS], mapUnreachable);
  schema.post('insertMany', mapUnreachable);
  schema.post('bulkWrite', mapUnreachable);
  schema.post('aggregate', mapUnreachable);
  schema.post('save', mapUnreachable);
}
