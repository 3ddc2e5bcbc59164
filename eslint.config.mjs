// @ts-check
/**
 * ESLint flat config: the NestJS starter defaults (`nest new`) plus module-boundary rules.
 *
 * - TypeScript (src, test, bench/*.ts): @eslint/js recommended + typescript-eslint recommendedTypeChecked,
 *   with the Nest overrides (no-explicit-any off, no-floating-promises and no-unsafe-argument at warn).
 * - Plain JavaScript (bench/**, scripts/** .mjs, root *.js/*.mjs configs): @eslint/js recommended only, not type-checked.
 * - Everywhere: Prettier as a lint rule (eslint-plugin-prettier/recommended, options from .prettierrc),
 *   so `npm run lint` fails on unformatted code; `npm run format` fixes it.
 * - Boundaries (eslint-plugin-import-x + eslint-import-resolver-typescript): import-x/no-cycle and
 *   import-x/no-restricted-paths; src/architecture.spec.ts asserts the same rules (and the @Module exports) in jest.
 *
 * Warnings: `npm run lint` does NOT pass --max-warnings. Warn is kept for the rules the Nest starter itself puts
 * at warn (no-floating-promises, no-unsafe-argument) and for require-await (see below): they stay visible as a
 * to-do list without blocking `npm test`, while every error fails it. Once the warning count is 0, adding
 * `--max-warnings 0` to the `lint` script would keep it there.
 */
import eslint from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import eslintPluginPrettierRecommended from 'eslint-plugin-prettier/recommended';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', '.cache/', 'data/', 'bin/', 'node_modules/', 'src/metadata.ts', 'src/contracts/openapi.d.ts']),

  eslint.configs.recommended,

  // TypeScript: type-checked rules through the project service (tsconfig.json covers src and test;
  // bench/*.ts is outside it and gets a default project with the same compiler options).
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'commonjs',
      parserOptions: {
        projectService: { allowDefaultProject: ['bench/*.ts'], defaultProject: 'tsconfig.json' },
        tsconfigRootDir: root,
      },
    },
    rules: {
      // The Nest starter's overrides.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'warn',
      '@typescript-eslint/no-unsafe-argument': 'warn',
      // In-memory implementations of async ports (PresenceStore, ChannelMembershipStore, ...) are `async` without
      // awaiting anything, so that a Redis-backed implementation fits the same interface: visible, not blocking.
      '@typescript-eslint/require-await': 'warn',
      // `const { type: _type, ...rest } = message` omits a field on purpose; `_` marks deliberately unused names.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },

  // E2E tests and their helpers read supertest / socket.io-client payloads, which are `any` by design
  // (`expect(res.body.data.id)...`): the no-unsafe-* rules would flag nearly every assertion there (~500 findings).
  // Unit specs under src stay under the full rule set.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // Plain JavaScript (bench and scripts are ESM Node programs; jest.config.js is CommonJS): not type-checked.
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node, sourceType: 'module' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
  },

  // Module boundaries, for the TypeScript sources.
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // As in importX.flatConfigs.typescript: without a parser for .ts, no-cycle cannot read the imported files.
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json`, alwaysTryTypes: true })],
    },
    rules: {
      // Type-only imports are ignored (they vanish at run time); a value cycle is a real initialization-order hazard.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: [
            {
              target: './src/common',
              from: ['./src/modules/**', './src/app.*'],
              message: 'src/common is shared infrastructure: it may not depend on feature modules nor on the app root.',
            },
            {
              target: ['./src/config', './src/database'],
              from: './src/modules',
              message: 'config and database are below the feature modules: they may not depend on them.',
            },
            {
              target: './src/modules',
              from: ['./src/app.setup.ts', './src/app.module.ts'],
              message: 'Feature modules may not import the app root (app.module / app.setup).',
            },
          ],
        },
      ],
    },
  },

  // Last, so it turns off the stylistic rules that would fight Prettier.
  eslintPluginPrettierRecommended,
);
