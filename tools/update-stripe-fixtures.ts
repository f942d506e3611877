/**
 * Regenerates `events/stripe-fixtures/fixtures.json` from Stripe's `openapi/fixtures3.json`
 * (github.com/stripe/openapi), copying the resources listed below unchanged, so the vendored copy
 * can be reproduced and reviewed as a plain diff. Run by hand only:
 *
 *   npx tsx tools/update-stripe-fixtures.ts <path/to/openapi/fixtures3.json>
 *
 * After running it, update the commit named in `events/stripe-fixtures/README.md`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import eventTypes from '../events/stripe-event-types.json';

/** The resources the event builder and tests use, plus a few that are cheap to have at hand: missing upstream is an error. */
export const vendoredStripeResources = [
  'event',
  'invoice',
  'line_item',
  'checkout.session',
  'charge',
  'refund',
  'payment_intent',
  'customer',
  'subscription',
  'dispute',
  'billing.meter',
  'webhook_endpoint',
] as const;

/**
 * Every resource that an event type of the pinned `stripe` package carries (`events/stripe-event-types.json`),
 * so `npm run trigger` can build each type around Stripe's own example. Stripe publishes no example for a
 * few of them (e.g. `apps.install`); those are skipped, and the trigger does not list their types.
 */
export const eventObjectResources: readonly string[] = [
  ...new Set(Object.values(eventTypes.snapshot as Record<string, string[]>).flat()),
].sort();

export const stripeFixturesPath = join(__dirname, '..', 'events', 'stripe-fixtures', 'fixtures.json');

export class InvalidStripeFixturesFileError extends Error {
  constructor(source: string, problem: string) {
    super(
      `${source} ${problem}. Pass the path of openapi/fixtures3.json from a checkout of github.com/stripe/openapi ` +
        '(an object with a "resources" map).',
    );
    this.name = 'InvalidStripeFixturesFileError';
  }
}

export class UpstreamFixtureMissingError extends Error {
  constructor(source: string, resource: string) {
    super(
      `${source} has no "resources.${resource}". Stripe may have renamed or removed it: update ` +
        '`vendoredStripeResources` in tools/update-stripe-fixtures.ts and the code that uses that resource.',
    );
    this.name = 'UpstreamFixtureMissingError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Picks `names` out of a parsed fixtures3.json, keeping Stripe's objects exactly as they are. */
export function selectStripeFixtures(
  parsed: unknown,
  names: readonly string[],
  source = 'The fixtures file',
  /** Copied when present upstream, skipped when not. */
  optionalNames: readonly string[] = [],
): { resources: Record<string, unknown> } {
  if (!isRecord(parsed) || !isRecord(parsed.resources)) {
    throw new InvalidStripeFixturesFileError(source, 'has no top-level "resources" object');
  }
  const all = parsed.resources;
  const resources: Record<string, unknown> = {};
  for (const name of names) {
    if (!(name in all)) throw new UpstreamFixtureMissingError(source, name);
    resources[name] = all[name];
  }
  for (const name of optionalNames) if (name in all && !(name in resources)) resources[name] = all[name];
  return { resources };
}

function main(argv: readonly string[]): number {
  const [sourcePath] = argv;
  if (sourcePath === undefined || sourcePath === '--help' || sourcePath === '-h') {
    process.stderr.write('Usage: npx tsx tools/update-stripe-fixtures.ts <path/to/openapi/fixtures3.json>\n');
    return sourcePath === undefined ? 2 : 0;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(sourcePath, 'utf8'));
  } catch (error) {
    throw new InvalidStripeFixturesFileError(sourcePath, `could not be read as JSON (${(error as Error).message})`);
  }
  const selected = selectStripeFixtures(parsed, vendoredStripeResources, sourcePath, eventObjectResources);
  writeFileSync(stripeFixturesPath, `${JSON.stringify(selected, null, 2)}\n`);
  process.stdout.write(`Wrote ${Object.keys(selected.resources).length} resources to ${stripeFixturesPath}\n`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
