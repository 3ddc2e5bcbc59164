/**
 * Architecture rules, checked on the sources (the same boundaries as import-x/no-restricted-paths and
 * import-x/no-cycle in eslint.config.mjs, plus what ESLint cannot see):
 *
 * 1. Layers: src/common may not import src/modules nor src/app.*; src/config and src/database may not import
 *    src/modules; nothing under src/modules imports src/app.setup.ts or src/app.module.ts.
 * 2. The feature modules (the folders directly under src/modules) import each other without a cycle,
 *    direct or through a chain.
 * 3. Every @Module under src/modules exports only services: a class named *Service, a port (abstract class)
 *    or DI token defined under src/common, or a Nest module re-export.
 *
 * Imports are read with the TypeScript parser (import/export-from, `import type`, `import()`, `require()`,
 * `import('…').T` types and `declare module '…'` augmentations), so comments and strings never count.
 * Type-only imports count as dependencies too (they are marked as such in the messages).
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const SRC = __dirname;
const ROOT = path.dirname(SRC);
const MODULES = path.join(SRC, 'modules');
const COMMON = path.join(SRC, 'common');

interface Import {
  from: string; // absolute path of the importing file
  specifier: string;
  target: string | undefined; // absolute path of the imported file, when it resolves to one in the repository
  typeOnly: boolean;
  line: number;
}

interface SourceInfo {
  file: string;
  imports: Import[];
  /** Exported top-level classes: name → abstract? */
  classes: Map<string, boolean>;
  /** Exported top-level `const`/`let` names (DI tokens live there). */
  variables: Set<string>;
  /** Names of the classes decorated with @Module(...). */
  moduleClasses: string[];
}

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
const isUnder = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep);
const isSpec = (file: string) => /\.(spec|e2e-spec)\.ts$/.test(file);

function listTs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listTs(full);
      return entry.isFile() && entry.name.endsWith('.ts') ? [full] : [];
    })
    .sort();
}

/** Resolves a relative or baseUrl-rooted (`src/...`) specifier to a file, like TypeScript would; packages give undefined. */
function resolveImport(from: string, specifier: string): string | undefined {
  let base: string;
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    base = path.resolve(path.dirname(from), specifier);
  } else if (specifier === 'src' || specifier.startsWith('src/')) {
    base = path.resolve(ROOT, specifier);
  } else {
    return undefined; // a package or a node: builtin
  }
  const candidates = [base, `${base}.ts`, `${base}.d.ts`, path.join(base, 'index.ts')];
  return candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === kind);

function parse(file: string): SourceInfo {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const info: SourceInfo = { file, imports: [], classes: new Map(), variables: new Set(), moduleClasses: [] };
  const add = (specifier: string, typeOnly: boolean, node: ts.Node) =>
    info.imports.push({
      from: file,
      specifier,
      target: resolveImport(file, specifier),
      typeOnly,
      line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
    });

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly, node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly, node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) add(expression.text, node.isTypeOnly, node);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isDynamicImport || isRequire) add(node.arguments[0].text, false, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true, node);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name.text, true, node); // `declare module '…'`: augmenting another file's declarations
    }
    ts.forEachChild(node, visit);
  };
  visit(source);

  for (const statement of source.statements) {
    if (ts.isClassDeclaration(statement) && statement.name) {
      const decorators = ts.getDecorators(statement) ?? [];
      const isModule = decorators.some(
        (d) => ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && d.expression.expression.text === 'Module',
      );
      if (isModule) info.moduleClasses.push(statement.name.text);
      if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
        info.classes.set(statement.name.text, hasModifier(statement, ts.SyntaxKind.AbstractKeyword));
      }
    } else if (ts.isVariableStatement(statement) && hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) info.variables.add(declaration.name.text);
      }
    }
  }
  return info;
}

const sources = listTs(SRC).map(parse);
const allImports = sources.flatMap((source) => source.imports);
const describeImport = (i: Import) => `${rel(i.from)}:${i.line} imports '${i.specifier}'${i.typeOnly ? ' (type-only)' : ''}`;

function assertNone(title: string, violations: string[]): void {
  if (violations.length > 0) {
    throw new Error(`${title} (${violations.length}):\n${violations.map((v) => `  - ${v}`).join('\n')}`);
  }
}

describe('architecture', () => {
  it('finds the sources and resolves their relative imports', () => {
    expect(sources.length).toBeGreaterThan(50);
    const unresolved = allImports.filter((i) => i.specifier.startsWith('.') && !i.target);
    assertNone('relative imports that resolve to no file', unresolved.map(describeImport));
  });

  describe('layers', () => {
    const appRoot = (file: string) => path.dirname(file) === SRC && /^app\.[^/\\]+$/.test(path.basename(file));
    const rules: { name: string; importer: (file: string) => boolean; forbidden: (target: string) => boolean }[] = [
      {
        name: 'src/common imports nothing from src/modules nor src/app.*',
        importer: (file) => isUnder(file, COMMON),
        forbidden: (target) => isUnder(target, MODULES) || appRoot(target),
      },
      {
        name: 'src/config and src/database import nothing from src/modules',
        importer: (file) => isUnder(file, path.join(SRC, 'config')) || isUnder(file, path.join(SRC, 'database')),
        forbidden: (target) => isUnder(target, MODULES),
      },
      {
        name: 'src/modules never imports src/app.setup.ts nor src/app.module.ts',
        importer: (file) => isUnder(file, MODULES),
        forbidden: (target) => target === path.join(SRC, 'app.setup.ts') || target === path.join(SRC, 'app.module.ts'),
      },
    ];

    it.each(rules)('$name', ({ name, importer, forbidden }) => {
      const violations = allImports.filter((i) => importer(i.from) && i.target !== undefined && forbidden(i.target));
      assertNone(`Layer rule broken: ${name}`, violations.map(describeImport));
    });
  });

  it('the feature modules (folders under src/modules) import each other without a cycle', () => {
    const featureOf = (file: string): string | undefined => (isUnder(file, MODULES) ? path.relative(MODULES, file).split(path.sep)[0] : undefined);
    const features = fs
      .readdirSync(MODULES, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    // feature → feature → the imports behind that edge. Unit specs are leaves of the graph, not module
    // dependencies, so they are left out here (the layer rules above still apply to them).
    const edges = new Map<string, Map<string, Import[]>>(features.map((f) => [f, new Map()]));
    for (const i of allImports) {
      const from = featureOf(i.from);
      const to = i.target && featureOf(i.target);
      if (!from || !to || from === to || isSpec(i.from)) continue;
      const targets = edges.get(from)!;
      targets.set(to, [...(targets.get(to) ?? []), i]);
    }

    // Every elementary cycle, each listed once from its smallest feature name.
    const cycles: string[][] = [];
    const walk = (start: string, node: string, pathSoFar: string[]) => {
      for (const next of [...edges.get(node)!.keys()].sort()) {
        if (next === start) cycles.push([...pathSoFar, start]);
        else if (next > start && !pathSoFar.includes(next)) walk(start, next, [...pathSoFar, next]);
      }
    };
    for (const feature of features) walk(feature, feature, [feature]);

    const describeCycle = (cycle: string[]) => {
      const hops = cycle.slice(0, -1).map((from, k) => {
        const imports = edges.get(from)!.get(cycle[k + 1])!;
        const more = imports.length > 1 ? ` (+${imports.length - 1} more)` : '';
        return `\n      ${from} -> ${cycle[k + 1]}: ${describeImport(imports[0])}${more}`;
      });
      return `${cycle.join(' -> ')}${hops.join('')}`;
    };
    assertNone('Feature modules import each other in a cycle', cycles.map(describeCycle));
  });

  it('every @Module under src/modules exports only services, ports/tokens from src/common, or modules', () => {
    const moduleSources = sources.filter((s) => isUnder(s.file, MODULES) && s.moduleClasses.length > 0);
    expect(moduleSources.length).toBeGreaterThan(0);

    const commonSources = sources.filter((s) => isUnder(s.file, COMMON) && !isSpec(s.file));
    const load = (file: string) => require(file) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports
    const classFiles = (name: string) => sources.filter((s) => s.classes.has(name)).map((s) => rel(s.file));

    /** Where under src/common a value is exported from, and whether it is an abstract class there. */
    const inCommon = (value: unknown): { file: string; name: string; abstract: boolean } | undefined => {
      for (const source of commonSources) {
        const names = typeof value === 'function' ? [...source.classes.keys()] : [...source.variables];
        for (const name of names) {
          if (load(source.file)[name] === value) return { file: rel(source.file), name, abstract: source.classes.get(name) ?? false };
        }
      }
      return undefined;
    };

    const MODULE_KEYS = ['imports', 'providers', 'controllers', 'exports'];
    const isModuleClass = (value: unknown): value is new (...args: unknown[]) => unknown =>
      typeof value === 'function' &&
      (MODULE_KEYS.some((key) => Reflect.hasOwnMetadata(key, value)) || (/Module$/.test(value.name) && !Reflect.hasOwnMetadata('__injectable__', value)));
    const tokenName = (value: unknown) => (typeof value === 'function' ? value.name : typeof value === 'symbol' ? value.toString() : JSON.stringify(value));

    /** Why an exported entry is not allowed, or undefined when it is. */
    const refusal = (entry: unknown): string | undefined => {
      if (entry && typeof entry === 'object' && 'forwardRef' in entry && typeof entry.forwardRef === 'function') {
        return refusal((entry.forwardRef as () => unknown)());
      }
      if (entry && typeof entry === 'object' && 'module' in entry && isModuleClass(entry.module)) return undefined; // DynamicModule
      if (entry && typeof entry === 'object' && 'provide' in entry) {
        const why = refusal(entry.provide);
        return why && `a custom provider whose token ${why}`;
      }
      if (isModuleClass(entry)) return undefined; // module re-export
      // A service: a class named *Service, or defined in a `*.service.ts` file (MetricsRecorder, CpuSampler…).
      if (typeof entry === 'function' && (/Service$/.test(entry.name) || classFiles(entry.name).some((file) => file.endsWith('.service.ts')))) return undefined;
      const common = inCommon(entry);
      if (common && (typeof entry !== 'function' || common.abstract)) return undefined; // port or DI token from src/common
      if (common) return `${tokenName(entry)} is a concrete class from ${common.file}: not a *Service, not a port (abstract class)`;
      if (typeof entry === 'function') {
        const where = classFiles(entry.name);
        return `${entry.name} is a class${where.length ? ` from ${where.join(', ')}` : ''}: not a *Service, not defined under src/common, not a module`;
      }
      return `${tokenName(entry)} is a token not defined under src/common`;
    };

    const violations: string[] = [];
    for (const source of moduleSources) {
      const exported = load(source.file);
      for (const className of source.moduleClasses) {
        const moduleClass = exported[className];
        if (typeof moduleClass !== 'function') {
          violations.push(`${rel(source.file)}: ${className} is not exported, so it cannot be checked`);
          continue;
        }
        const exports = (Reflect.getMetadata('exports', moduleClass) as unknown[] | undefined) ?? [];
        for (const entry of exports) {
          const why = refusal(entry);
          if (why) violations.push(`${rel(source.file)}: ${className} exports ${tokenName((entry as { provide?: unknown })?.provide ?? entry)}: ${why}`);
        }
      }
    }
    assertNone('Modules that export something other than services, src/common ports/tokens or modules', violations);
  });
});
