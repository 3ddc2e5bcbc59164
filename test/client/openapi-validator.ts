import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The subset of OpenAPI 3.0 schema keywords the document uses. */
interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
}

export interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema & { enum?: unknown[] }> };
}

export const committedOpenApi = (): OpenApiDocument => JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as OpenApiDocument;

/**
 * Checks a response body against the committed document, closed-world: a field the schema does not declare is
 * an error too, so a document that omits, mistypes or invents a field fails the test that made the call.
 */
export class OpenApiValidator {
  constructor(private readonly document: OpenApiDocument = committedOpenApi()) {}

  /** Problems found (empty when the body matches); `path` is the document's template, e.g. `/users/{id}`. */
  check(path: string, method: string, status: number, body: unknown): string[] {
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${path} is not in the document`];
    const response = operation.responses[String(status)];
    if (!response) return [`${method} ${path} does not declare status ${status}`];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return [];
    const problems: string[] = [];
    this.validate(schema, body, '$', problems);
    return problems;
  }

  private resolve(schema: Schema): Schema {
    if (!schema.$ref) return schema;
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = this.document.components.schemas[name];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return this.resolve(target);
  }

  /** Properties an object schema declares, through allOf. */
  private declared(schema: Schema): Set<string> {
    const s = this.resolve(schema);
    const names = new Set(Object.keys(s.properties ?? {}));
    for (const part of s.allOf ?? []) for (const name of this.declared(part)) names.add(name);
    return names;
  }

  private validate(raw: Schema, value: unknown, at: string, problems: string[], closed = true): void {
    const schema = this.resolve(raw);
    if (value === null) {
      const nullable = schema.nullable === true || (schema.oneOf ?? []).some((option) => this.resolve(option).nullable === true);
      if (!nullable) problems.push(`${at}: null but not nullable`);
      return;
    }
    if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
    if (schema.allOf) {
      for (const part of schema.allOf) this.validate(part, value, at, problems, false);
      if (closed) this.rejectUndeclared(this.declared(schema), value, at, problems);
    }
    if (schema.oneOf) {
      const matches = schema.oneOf.filter((option) => {
        const found: string[] = [];
        this.validate(option, value, at, found);
        return found.length === 0;
      });
      if (matches.length !== 1) problems.push(`${at}: matches ${matches.length} of oneOf`);
    }
    switch (schema.type) {
      case 'string':
      case 'boolean':
        if (typeof value !== schema.type) problems.push(`${at}: expected ${schema.type}, got ${typeof value}`);
        break;
      case 'number':
        if (typeof value !== 'number') problems.push(`${at}: expected number, got ${typeof value}`);
        break;
      case 'integer':
        if (!Number.isInteger(value)) problems.push(`${at}: expected integer, got ${JSON.stringify(value)}`);
        break;
      case 'array':
        if (!Array.isArray(value)) problems.push(`${at}: expected array`);
        else if (schema.items) value.forEach((item, i) => this.validate(schema.items!, item, `${at}[${i}]`, problems));
        break;
      case 'object':
        this.validateObject(schema, value, at, problems, closed);
        break;
    }
  }

  private validateObject(schema: Schema, value: unknown, at: string, problems: string[], closed: boolean): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${at}: expected object`);
      return;
    }
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in record)) problems.push(`${at}.${name}: required but missing`);
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (name in record) this.validate(property, record[name], `${at}.${name}`, problems);
    }
    const extra = schema.additionalProperties;
    if (typeof extra === 'object') {
      for (const [name, item] of Object.entries(record)) if (!(name in (schema.properties ?? {}))) this.validate(extra, item, `${at}.${name}`, problems);
    } else if (closed && extra !== true) {
      this.rejectUndeclared(new Set(Object.keys(schema.properties ?? {})), value, at, problems);
    }
  }

  private rejectUndeclared(declared: Set<string>, value: unknown, at: string, problems: string[]): void {
    if (typeof value !== 'object' || value === null) return;
    for (const name of Object.keys(value)) if (!declared.has(name)) problems.push(`${at}.${name}: not in the schema`);
  }
}
