import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../app.module';
import { loadOpenApiMetadata } from '../app.setup';
import { createOpenApiDocument } from '../common/openapi/openapi-document';

/** Serialised exactly as the committed file, so the drift test compares bytes' meaning, not formatting. */
export function serializeOpenApi(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * `npm run openapi`: writes openapi.json from the app's own metadata. Preview mode builds the module graph without
 * running a provider, so no database, port or Redis is needed.
 */
async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), { preview: true, logger: false, abortOnError: false });
  await loadOpenApiMetadata();
  const target = resolve(process.argv[2] ?? 'openapi.json');
  writeFileSync(target, serializeOpenApi(createOpenApiDocument(app)));
  console.log(`wrote ${target}`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`OpenAPI generation failed: ${error.message}`);
    process.exit(1);
  });
}
