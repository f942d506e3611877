import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const relative = path.join(dir, name);
    if (name === 'node_modules' || name === 'cdk.out') return [];
    if (statSync(path.join(root, relative)).isDirectory()) return sourcesUnder(relative);
    return name.endsWith('.ts') ? [relative] : [];
  });
}

/** Every module specifier a file imports (static, dynamic and type-only). */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1] ?? '');
}

/** The repository files a file imports by relative path (`./x` → `dir/x.ts` or `dir/x/index.ts`). */
function localImportsOf(file: string): string[] {
  return importsOf(file)
    .filter((specifier) => specifier.startsWith('.'))
    .flatMap((specifier) => {
      const target = path.join(path.dirname(file), specifier);
      return [`${target}.ts`, path.join(target, 'index.ts')].filter((candidate) =>
        existsSync(path.join(root, candidate)),
      );
    });
}

/** The import cycles among `files`, each as the path around it (a → b → a). */
function importCycles(files: readonly string[], importsOfFile: (file: string) => string[] = localImportsOf): string[] {
  const graph = new Map(files.map((file) => [file, importsOfFile(file)]));
  const cycles: string[] = [];
  const done = new Set<string>();
  const visit = (file: string, trail: string[]) => {
    const seen = trail.indexOf(file);
    if (seen >= 0) {
      cycles.push([...trail.slice(seen), file].join(' → '));
      return;
    }
    if (done.has(file) || !graph.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
    done.add(file);
  };
  for (const file of files) visit(file, []);
  return cycles;
}

describe('module boundaries', () => {
  it('keeps aws-cdk-lib out of the Lambda code', () => {
    // Act
    const offenders = sourcesUnder('functions').filter((file) =>
      importsOf(file).some((specifier) => specifier.startsWith('aws-cdk-lib') || specifier === 'constructs'),
    );
    // Assess
    expect(sourcesUnder('functions').length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });

  it('lets data flow one way: the receiver imports nothing of the consumer', () => {
    // Act
    const offenders = sourcesUnder('functions/receiver').filter((file) =>
      importsOf(file).some((specifier) => specifier.includes('consumer') || specifier.includes('subscriptions')),
    );
    // Assess
    expect(offenders).toEqual([]);
  });

  it('has the example import the package only through its public entry points', () => {
    // Prepare
    const { exports } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const entryPoints = Object.keys(exports).map((subpath) => `stripe-webhooks-aws${subpath.slice(1)}`);
    // Act
    const specifiers = sourcesUnder('examples').flatMap(importsOf);
    const ours = specifiers.filter((specifier) => specifier.startsWith('stripe-webhooks-aws'));
    const deep = specifiers.filter(
      (specifier) => specifier.startsWith('..') && !specifier.startsWith('../subscriptions'),
    );
    // Assess
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((specifier) => !entryPoints.includes(specifier))).toEqual([]);
    expect(deep).toEqual([]);
  });

  it('has the benchmarks import the tools, never the reverse: nothing in tools/ imports bench/', () => {
    // Act
    const offenders = sourcesUnder('tools').filter((file) =>
      localImportsOf(file).some((target) => target.split(path.sep)[0] === 'bench'),
    );
    // Assess
    expect(sourcesUnder('tools').length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });

  it('has no import cycle in tools/ and bench/ (type-only imports included)', () => {
    // Act
    const cycles = importCycles([...sourcesUnder('tools'), ...sourcesUnder('bench')]);
    // Assess
    expect(cycles).toEqual([]);
  });

  it('finds a cycle when there is one, so the check above can fail', () => {
    // Prepare: the shape that console-routes.ts and http-endpoint.ts had, each importing the other.
    const imports: Record<string, string[]> = { a: ['b'], b: ['a', 'c'], c: [] };
    // Act
    const cycles = importCycles(Object.keys(imports), (file) => imports[file] ?? []);
    // Assess
    expect(cycles).toEqual(['a → b → a']);
  });
});
