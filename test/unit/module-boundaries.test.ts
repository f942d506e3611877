import { readdirSync, readFileSync, statSync } from 'node:fs';
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
});
