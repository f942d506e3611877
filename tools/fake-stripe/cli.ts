/**
 * Runs the fake Stripe API on its own, e.g. to point a script or `stripe-node` at it by hand:
 *
 *   npx tsx tools/fake-stripe/cli.ts --port 12111
 *
 * `npm start` runs its own copy; this one is for everything else.
 */
import { defaultFakeStripePort } from '../local/defaults';
import { type FakeStripeApiOptions, startFakeStripeApi } from './server';

/** stripe-mock's port, which tools pointed at a local Stripe tend to expect. */
export const defaultCliPort = defaultFakeStripePort;

export const cliUsage = `Usage: npx tsx tools/fake-stripe/cli.ts [--port N] [--host ADDRESS] [--key rk_test_...]...

A fake Stripe API: GET /v1/customers/:id, /v1/subscriptions/:id, /v1/invoices/:id, /v1/charges/:id,
/v1/checkout/sessions/:id, /v1/billing/meters/:id, answered from the events posted to POST /_fake/events,
else with Stripe's example objects; the Events API (GET /v1/events, /v1/events/:id, /v2/core/events/:id)
over those events; webhook endpoints (create, update, list, retrieve, delete). See tools/fake-stripe/README.md.

  --port N        port to listen on; 0 picks a free one (default ${defaultCliPort})
  --host ADDRESS  address to bind (default 127.0.0.1; the control API has no authentication)
  --key KEY       accept only this API key (repeatable; default: any rk_test_/sk_test_ key)
  --help          show this help
`;

export class FakeStripeCliUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}. Run with --help for the options.`);
    this.name = 'FakeStripeCliUsageError';
  }
}

export type CliCommand = { kind: 'help' } | { kind: 'serve'; options: FakeStripeApiOptions };

export function parseCliArgs(argv: readonly string[]): CliCommand {
  let port = defaultCliPort;
  let host: string | undefined;
  const keys: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    if (flag === '--help' || flag === '-h') return { kind: 'help' };
    const value = argv[index + 1];
    if (flag !== '--port' && flag !== '--host' && flag !== '--key') {
      throw new FakeStripeCliUsageError(`Unknown argument ${JSON.stringify(flag)}`);
    }
    if (value === undefined || value.startsWith('--')) throw new FakeStripeCliUsageError(`${flag} needs a value`);
    index += 1;
    if (flag === '--port') {
      if (!/^\d+$/.test(value) || Number(value) > 65_535) {
        throw new FakeStripeCliUsageError(`--port must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
      }
      port = Number(value);
    } else if (flag === '--host') {
      host = value;
    } else {
      keys.push(value);
    }
  }
  return {
    kind: 'serve',
    options: { port, ...(host === undefined ? {} : { host }), ...(keys.length === 0 ? {} : { apiKeys: keys }) },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const command = parseCliArgs(argv);
  if (command.kind === 'help') {
    process.stdout.write(cliUsage);
    return;
  }
  const fake = await startFakeStripeApi({
    ...command.options,
    onRequest: (request) => process.stdout.write(`${request.method} ${request.path} -> ${request.status}\n`),
  });
  process.stdout.write(
    `Fake Stripe API: ${fake.url}  (STRIPE_API_URL=${fake.url})\n` +
      `Control: POST ${fake.url}/_fake/events | POST/DELETE ${fake.url}/_fake/faults | GET ${fake.url}/_fake/requests | POST ${fake.url}/_fake/reset\n`,
  );
  const stop = (): void => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const inUse = (error as { code?: unknown } | null)?.code === 'EADDRINUSE';
    const message = inUse
      ? `${(error as Error).message}: another fake (npm start runs one on ${defaultCliPort}) or another server has the port; choose another with --port, or --port 0 for a free one.`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  });
}
