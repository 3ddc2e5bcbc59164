// Writes src/metadata.ts: what the @nestjs/swagger CLI plugin adds at `nest build`, as a module that
// SwaggerModule.loadPluginMetadata reads, so ts-jest (which runs no plugin) sees the same document.
const { PluginMetadataGenerator } = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator');
const { ReadonlyVisitor } = require('@nestjs/swagger/plugin');
const path = require('node:path');

const source = path.join(__dirname, '..', 'src');
new PluginMetadataGenerator().generate({
  visitors: [
    new ReadonlyVisitor({
      introspectComments: true,
      classValidatorShim: true,
      dtoFileNameSuffix: ['.dto.ts'],
      controllerFileNameSuffix: ['.controller.ts'],
      pathToSource: source,
    }),
  ],
  outputDir: source,
  filename: 'metadata.ts',
  watch: false,
  tsconfigPath: 'tsconfig.build.json',
});
