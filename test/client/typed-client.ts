import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../src/contracts/openapi';
import { OpenApiValidator } from './openapi-validator';

/**
 * The typed client generated from the committed openapi.json (openapi-typescript types + openapi-fetch), with
 * every JSON response checked against that document: a call whose answer the document does not describe fails.
 */
export function typedClient(baseUrl: string, validator = new OpenApiValidator()) {
  const client = createClient<paths>({ baseUrl });
  const conformance: Middleware = {
    async onResponse({ request, response, schemaPath }) {
      if (!response.headers.get('content-type')?.includes('application/json')) return undefined;
      const body: unknown = await response.clone().json();
      const problems = validator.check(schemaPath, request.method, response.status, body);
      if (problems.length > 0) throw new Error(`${request.method} ${schemaPath} ${response.status} does not match openapi.json:\n  ${problems.join('\n  ')}`);
      return undefined;
    },
  };
  client.use(conformance);
  return client;
}

export type TypedClient = ReturnType<typeof typedClient>;
