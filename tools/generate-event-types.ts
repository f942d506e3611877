/**
 * Derives `events/stripe-event-types.json` from the pinned `stripe` package's own types, so the
 * trigger's list of event types and the object each carries are Stripe's, not hand-kept: for each
 * member of `Stripe.Event` its `type` and the `object` value(s) of its `data.object` (the resource
 * name Stripe's example objects are keyed by), and every thin type of `Stripe.V2.Core.EventNotification`.
 * `test/unit/stripe-event-types.test.ts` regenerates it in memory and fails when the file is stale.
 *
 *   npm run events:types          # rewrite the file after upgrading `stripe`
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseCommandLine, runCommand, wantsHelp } from './cli';

export interface StripeEventTypeTable {
  /** Snapshot type → the `object` values its `data.object` may have (several for a union such as a customer source). */
  readonly snapshot: Readonly<Record<string, readonly string[]>>;
  /** Thin (v2 event destination) type → the `object` of its related object (`null`: it has none). */
  readonly thin: Readonly<Record<string, string | null>>;
}

export const stripeEventTypesPath = join(__dirname, '..', 'events', 'stripe-event-types.json');

export class StripeTypesShapeError extends Error {
  constructor(problem: string) {
    super(
      `The stripe package's types no longer have the shape tools/generate-event-types.ts reads (${problem}). ` +
        'Read how Stripe.Event and Stripe.V2.Core.EventNotification are declared now and adapt the generator.',
    );
    this.name = 'StripeTypesShapeError';
  }
}

const probeSource = `import Stripe from 'stripe';
export declare const snapshot: Stripe.Event;
export declare const thin: Stripe.V2.Core.EventNotification;
`;

function stringLiterals(type: ts.Type): string[] {
  const members = type.isUnion() ? type.types : [type];
  return members.filter((member): member is ts.StringLiteralType => member.isStringLiteral()).map((m) => m.value);
}

/** Reads the table out of the `stripe` package's declarations with the TypeScript checker. */
export function deriveStripeEventTypes(): StripeEventTypeTable {
  const root = join(__dirname, '..');
  const probePath = join(root, 'tools', '__stripe-event-types-probe.ts');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    esModuleInterop: true,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    // ES only, no DOM: the checker need not load the largest declarations it would never use (seconds).
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => (file === probePath ? probeSource : readFile(file));
  host.fileExists = (file) => file === probePath || fileExists(file);
  const program = ts.createProgram([probePath], options, host);
  const checker = program.getTypeChecker();
  const probe = program.getSourceFile(probePath);
  if (!probe) throw new StripeTypesShapeError('the probe file did not load');
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(probe) as ts.Symbol);
  const typeOf = (name: string): ts.Type => {
    const symbol = exported.find((s) => s.name === name);
    if (!symbol) throw new StripeTypesShapeError(`no ${name}`);
    return checker.getTypeOfSymbolAtLocation(symbol, probe);
  };
  const property = (type: ts.Type, name: string): ts.Type | undefined => {
    const symbol = type.getProperty(name);
    return symbol ? checker.getTypeOfSymbolAtLocation(symbol, probe) : undefined;
  };

  const snapshotUnion = typeOf('snapshot');
  if (!snapshotUnion.isUnion()) throw new StripeTypesShapeError('Stripe.Event is not a union');
  const snapshot: Record<string, string[]> = {};
  for (const member of snapshotUnion.types) {
    const [type] = stringLiterals(property(member, 'type') ?? member);
    const data = property(member, 'data');
    const object = data && property(data, 'object');
    if (type === undefined || object === undefined) throw new StripeTypesShapeError(`a member without type or data`);
    const objectTypes = object.isUnion() ? object.types : [object];
    const names = objectTypes.flatMap((t) => {
      const field = property(t, 'object');
      return field ? stringLiterals(field) : [];
    });
    snapshot[type] = [...new Set(names)].sort();
  }

  const thinUnion = typeOf('thin');
  const thinMembers = thinUnion.isUnion() ? thinUnion.types : [thinUnion];
  const thin: Record<string, string | null> = {};
  for (const member of thinMembers) {
    const [type] = stringLiterals(property(member, 'type') ?? member);
    if (type === undefined) continue; // UnknownEventNotification: typed `string`
    // `fetchRelatedObject(): Promise<V1Billing.Meter>`: the related object's own `object` names it.
    const fetcher = property(member, 'fetchRelatedObject');
    const [signature] = fetcher?.getCallSignatures() ?? [];
    const promised = signature && checker.getAwaitedType(signature.getReturnType());
    const objectField = promised && property(promised, 'object');
    thin[type] = (objectField && stringLiterals(objectField)[0]) ?? null;
  }
  if (Object.keys(thin).length === 0) throw new StripeTypesShapeError('no thin event types');

  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  return { snapshot: sorted(snapshot), thin: sorted(thin) };
}

export function renderStripeEventTypes(table: StripeEventTypeTable): string {
  return `${JSON.stringify(table, null, 2)}\n`;
}

const usage = `Usage: npm run events:types

Rewrites events/stripe-event-types.json from the installed stripe package's types (takes a few seconds);
run it after upgrading stripe. Takes no options.

Options:
  -h, --help   show this help`;

if (require.main === module) {
  runCommand((argv) => {
    if (wantsHelp(argv)) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    parseCommandLine(argv, { options: {} }, usage);
    process.stdout.write('Reading the stripe package’s event types with the TypeScript checker…\n');
    const table = deriveStripeEventTypes();
    writeFileSync(stripeEventTypesPath, renderStripeEventTypes(table));
    process.stdout.write(
      `Wrote ${Object.keys(table.snapshot).length} snapshot and ${Object.keys(table.thin).length} thin event types to ${stripeEventTypesPath}\n`,
    );
    return 0;
  });
}
