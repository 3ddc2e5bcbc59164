import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../../src/common/errors/error-codes';
import { committedOpenApi, OpenApiValidator } from '../client/openapi-validator';
import { createTestApp, TestApp } from '../utils/create-test-app';

const root = join(__dirname, '..', '..');

describe('the OpenAPI document', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('is what the committed openapi.json says (run `npm run openapi` after changing a route or DTO)', async () => {
    const served = await t.http().get('/docs-json').expect(200);
    expect(served.body).toEqual(committedOpenApi());
  });

  it('generates the committed client types', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.d.ts');
    execFileSync(join(root, 'node_modules', '.bin', 'openapi-typescript'), [join(root, 'openapi.json'), '--default-non-nullable', 'false', '-o', out], {
      stdio: 'pipe',
    });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(root, 'src', 'contracts', 'openapi.d.ts'), 'utf8'));
  });

  it('gives every operation an id, a summary, security, a success schema and the error schema on its errors', () => {
    const document = committedOpenApi();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect([where, operation.operationId]).toEqual([where, expect.stringMatching(/^[a-z][A-Za-z]+$/)]);
        ids.add(String(operation.operationId));
        expect([where, operation.summary]).toEqual([where, expect.any(String)]);
        expect([where, operation.security?.length]).toEqual([where, expect.any(Number)]);
        const statuses = Object.keys(operation.responses).map(Number);
        const success = statuses.filter((status) => status < 300);
        expect([where, success.length]).toEqual([where, 1]);
        expect([where, Object.keys(operation.responses[String(success[0])].content ?? {})]).toEqual([where, [expect.any(String)]]);
        for (const status of statuses.filter((s) => s >= 400)) {
          expect([where, status, operation.responses[String(status)].content?.['application/json']?.schema]).toEqual([
            where,
            status,
            { $ref: '#/components/schemas/ErrorResponseDto' },
          ]);
        }
      }
    }
    expect(ids.size).toBe(Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0));
    expect(document.components.schemas.ErrorCode.enum).toEqual(Object.keys(ERROR_CATALOGUE));
  });

  it('declares the credentials each kind of route accepts', () => {
    const { paths } = committedOpenApi();
    const users = [{ bearer: [] }, { 'session-token': [] }];
    expect(paths['/auth/login'].post.security).toEqual([{}]);
    expect(paths['/users'].get.security).toEqual(users);
    expect(paths['/users/{id}/score'].post.security).toEqual([...users, { 'service-key': [] }]);
    expect(Object.keys(paths['/admin/invitations'].get.responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(Object.keys(paths['/auth/login'].post.responses)).not.toContain('401');
  });

  it('has a validator that refuses a body the document does not describe', () => {
    const validator = new OpenApiValidator();
    const user = {
      id: 'x',
      username: 'a',
      email: null,
      display_name: 'a',
      score: 0,
      role: 'user',
      is_active: true,
      created_at: 'now',
      last_login: null,
    };
    expect(validator.check('/users/{id}', 'GET', 200, user)).toEqual([]);
    expect(validator.check('/users/{id}', 'GET', 200, { ...user, password_hash: 'x' })).toEqual(['$.password_hash: not in the schema']);
    expect(validator.check('/users/{id}', 'GET', 200, { ...user, score: '1' })).toEqual(['$.score: expected number, got string']);
    expect(validator.check('/users/{id}', 'GET', 200, { ...user, role: 'root' })).toEqual(['$.role: "root" not in ["user","admin"]']);
    expect(validator.check('/users/{id}', 'GET', 418, user)).toEqual(['GET /users/{id} does not declare status 418']);
  });
});
