/**
 * `npm run stripe:sync -- --customer cus_... | --all [--dry-run]`: fills (or repairs) the billing state
 * table from Stripe's API, through the same sync as the webhooks' (tools/stripe-sync-run.ts). Against
 * `npm start` by default, or a deployed stack with --outputs.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbBillingStateStore } from '../functions/billing-state/billing-state-store';
import type { LoggerPort } from '../functions/shared/logger';
import { createStripeBillingApi } from '../functions/shared/stripe-api/billing';
import { parseStripeApiUrl } from '../functions/shared/stripe-api/client';
import { localResourceNames } from './local/defaults';
import { localClientConfig, quietSdkNodeVersionWarning } from './local/resources';
import { type LocalPipelineState, localPipelineStatePath } from './local/state';
import {
  CustomerListingError,
  type CustomerResult,
  runStripeSync,
  type StripeSyncPageProgress,
  type StripeSyncSummary,
} from './stripe-sync-run';
import { deployedApiKey, localTarget, runStripeTool, StripeToolUsageError, stackOutputs } from './stripe-targets';

export const syncUsage = `Usage: npm run stripe:sync -- --customer cus_... | --all [--starting-after cus_...] [--page-size N]
                             [--dry-run] [--account acct_...] [--rate N]
                             [--outputs cdk-outputs.json [--stack NAME] [--api-key-secret NAME]]

Syncs the billing state table from Stripe's API: each customer's subscriptions (every status), active
entitlements and default payment method, fetched now and written through the same sync as the
webhooks' (never over a state from a sync that started later). Run it with --all once after turning
the billing state on (the backfill), or with --customer for one customer whose state looks wrong.

  --customer cus_...        sync this one customer now, even if its stored state is recent
  --all                     every customer of the account, newest first, page after page; then the
                            table's customers that Stripe no longer lists are checked (one call each)
                            and, when Stripe says they are deleted, stored as deleted
  --starting-after cus_...  with --all: resume after this customer (each page's progress line prints
                            the exact command that resumes after it)
  --page-size N             with --all: customers per page, 1 to 100 (default 100)
  --dry-run                 fetch and compare, write nothing; the counts say what would change
  --account acct_...        the customers of this connected account (Connect), read with Stripe-Account
                            (default: the platform's own customers)
  --rate N                  Stripe API calls per second, 1 to 100 (default 10). Stripe's limit (100/s
                            live, 25/s test mode) is the whole account's, shared with the running
                            pipeline (the consumer and the billing sync); a background job takes a
                            modest share. A customer costs 3 calls (1 when deleted), a page 1 more.
  --outputs FILE            a deployed stack: the file \`cdk deploy --outputs-file FILE\` wrote (its
                            BillingStateTableName); AWS credentials and region from the usual chain.
                            Without it: the running \`npm start\` (.local/pipeline.json), its billing
                            state table and its fake Stripe API.
  --stack NAME              the stack in FILE, when it has several
  --api-key-secret NAME     the Secrets Manager secret with a Stripe key that may read customers,
                            subscriptions and entitlements, e.g. the stack's stripeApiKeySecretName
                            (default: the STRIPE_API_KEY environment variable)
  --help                    show this help

At the end it prints the counts: synced (the stored state was missing or different and was written),
unchanged (Stripe says what the table says, or a newer sync had already written), deleted (now stored
as deleted), failed (the error is printed; the run goes on). Interrupted (Ctrl-C), it prints the command
that resumes after the last customer done. Exits 1 if any customer failed (or the listing or the table
did), 2 on bad usage. With --outputs, STRIPE_API_URL (when set) sends the calls to a fake Stripe API
instead of api.stripe.com, as it does for the pipeline's functions.`;

/** Stripe's list limit; the backfill pages through the account at it unless told otherwise. */
const defaultPageSize = 100;
/**
 * Calls per second by default: well under test mode's 25/s for the whole account, so that the consumer
 * and the billing sync, which share the account's limit, keep most of it while a backfill runs.
 */
export const defaultSyncRate = 10;

export interface StripeSyncCliOptions {
  readonly customer?: string;
  readonly all: boolean;
  readonly startingAfter?: string;
  readonly pageSize: number;
  readonly dryRun: boolean;
  readonly account: string | null;
  readonly rate: number;
  readonly outputs?: string;
  readonly stack?: string;
  readonly apiKeySecret?: string;
}

const customerIdPattern = /^cus_[A-Za-z0-9]+$/;
const accountIdPattern = /^acct_[A-Za-z0-9]+$/;

function usageError(problem: string): StripeToolUsageError {
  return new StripeToolUsageError(`${problem}\n\n${syncUsage}`);
}

function wholeNumber(flag: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || parsed < min || parsed > max) {
    throw usageError(`${flag} ${JSON.stringify(value)} is not a whole number from ${min} to ${max}.`);
  }
  return parsed;
}

function customerId(flag: string, value: string): string {
  if (!customerIdPattern.test(value)) {
    throw usageError(`${flag} ${JSON.stringify(value)} is not a customer id: give one like cus_NffrFeUfNV2Hib.`);
  }
  return value;
}

/** Reads the command line; `help` when --help was given. Throws StripeToolUsageError (exit 2) saying what to fix. */
export function parseSyncArgs(argv: readonly string[]): StripeSyncCliOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        customer: { type: 'string' },
        all: { type: 'boolean', default: false },
        'starting-after': { type: 'string' },
        'page-size': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        account: { type: 'string' },
        rate: { type: 'string' },
        outputs: { type: 'string' },
        stack: { type: 'string' },
        'api-key-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return 'help';
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const customer = text('customer');
  const all = values.all === true;
  if (customer === undefined && !all) throw usageError('Give --customer cus_... (one customer) or --all (every one).');
  if (customer !== undefined && all) {
    throw usageError('Give --customer or --all, not both: --customer syncs one customer, --all every one.');
  }
  const startingAfter = text('starting-after');
  if (startingAfter !== undefined && !all) {
    throw usageError('--starting-after resumes a backfill: it goes with --all, not --customer.');
  }
  if (text('page-size') !== undefined && !all) throw usageError('--page-size goes with --all, not --customer.');
  const account = text('account');
  if (account !== undefined && !accountIdPattern.test(account)) {
    throw usageError(
      `--account ${JSON.stringify(account)} is not a connected account id: give one like acct_1032D82eZvKYlo2C.`,
    );
  }
  const outputs = text('outputs');
  for (const flag of ['stack', 'api-key-secret']) {
    if (text(flag) !== undefined && outputs === undefined) {
      throw usageError(
        `--${flag} applies to a deployed stack: give its outputs file with --outputs too (without it, the tool uses npm start's pipeline).`,
      );
    }
  }
  return {
    ...(customer === undefined ? {} : { customer: customerId('--customer', customer) }),
    all,
    ...(startingAfter === undefined ? {} : { startingAfter: customerId('--starting-after', startingAfter) }),
    pageSize: wholeNumber('--page-size', text('page-size'), 1, 100, defaultPageSize),
    dryRun: values['dry-run'] === true,
    account: account ?? null,
    rate: wholeNumber('--rate', text('rate'), 1, 100, defaultSyncRate),
    ...(outputs === undefined ? {} : { outputs }),
    ...(text('stack') === undefined ? {} : { stack: text('stack') }),
    ...(text('api-key-secret') === undefined ? {} : { apiKeySecret: text('api-key-secret') }),
  };
}

function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@=,+-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** The exact command that runs the same backfill again, after `lastCustomerId`. */
export function resumeCommand(options: StripeSyncCliOptions, lastCustomerId: string | undefined): string {
  const after = lastCustomerId ?? options.startingAfter;
  const args = [
    '--all',
    ...(after === undefined ? [] : ['--starting-after', after]),
    ...(options.pageSize === defaultPageSize ? [] : ['--page-size', String(options.pageSize)]),
    ...(options.dryRun ? ['--dry-run'] : []),
    ...(options.account === null ? [] : ['--account', options.account]),
    ...(options.rate === defaultSyncRate ? [] : ['--rate', String(options.rate)]),
    ...(options.outputs === undefined ? [] : ['--outputs', options.outputs]),
    ...(options.stack === undefined ? [] : ['--stack', options.stack]),
    ...(options.apiKeySecret === undefined ? [] : ['--api-key-secret', options.apiKeySecret]),
  ];
  return `npm run stripe:sync -- ${args.map(shellWord).join(' ')}`;
}

function countsText(counts: { synced: number; unchanged: number; deleted: number; failed: number }, dryRun: boolean) {
  return dryRun
    ? `would sync ${counts.synced}, unchanged ${counts.unchanged}, would mark deleted ${counts.deleted}, failed ${counts.failed}`
    : `synced ${counts.synced}, unchanged ${counts.unchanged}, deleted ${counts.deleted}, failed ${counts.failed}`;
}

export function formatPageProgress(progress: StripeSyncPageProgress, options: StripeSyncCliOptions): string {
  const resume =
    progress.lastCustomerId === undefined
      ? ''
      : `; to resume after it: ${resumeCommand(options, progress.lastCustomerId)}`;
  return `page ${progress.page}: ${progress.listed} customer${progress.listed === 1 ? '' : 's'} so far, ${countsText(progress, options.dryRun)}; last ${progress.lastCustomerId ?? '(none)'}${resume}`;
}

function describeState(summary: StripeSyncSummary): string {
  const state = summary.state;
  if (state === undefined) return '';
  if (state.deleted) {
    return 'Stripe says it is deleted, or does not know it (check the id, the key mode (live or test) and --account): no access';
  }
  const subscriptions = state.subscriptions.map((subscription) => `${subscription.id} ${subscription.status}`);
  const entitlements = state.entitlements.map((entitlement) => entitlement.lookupKey);
  return (
    `access ${state.access ? 'yes' : 'no'}; ${subscriptions.length} subscription${subscriptions.length === 1 ? '' : 's'}` +
    `${subscriptions.length === 0 ? '' : ` (${subscriptions.join(', ')})`}; ${entitlements.length} entitlement${entitlements.length === 1 ? '' : 's'}` +
    `${entitlements.length === 0 ? '' : ` (${entitlements.join(', ')})`}`
  );
}

export function formatSyncSummary(summary: StripeSyncSummary, options: StripeSyncCliOptions): string {
  const lines: string[] = [];
  const prefix = summary.dryRun ? 'Dry run, nothing written: ' : '';
  const superseded =
    summary.superseded === 0 ? '' : ` (${summary.superseded} unchanged because a newer sync had already written)`;
  if (options.customer !== undefined) {
    const result: CustomerResult =
      summary.failed > 0 ? 'failed' : summary.deleted > 0 ? 'deleted' : summary.synced > 0 ? 'synced' : 'unchanged';
    const verb = summary.dryRun && result !== 'failed' && result !== 'unchanged' ? `would be ${result}` : result;
    lines.push(
      `${prefix}${options.customer}: ${verb}${superseded}${summary.state === undefined ? '' : `; ${describeState(summary)}`}`,
    );
  } else {
    lines.push(
      `${prefix}${countsText(summary, summary.dryRun)}${superseded} (${summary.listed} customer${summary.listed === 1 ? '' : 's'} listed in ${summary.pages} page${summary.pages === 1 ? '' : 's'}; ` +
        `${summary.checked} stored customer${summary.checked === 1 ? '' : 's'} not listed, checked for deletion)`,
    );
  }
  for (const failure of summary.failures.slice(0, 20)) lines.push(`  failed ${failure.customerId}: ${failure.error}`);
  if (summary.failures.length > 20) lines.push(`  ... and ${summary.failures.length - 20} more`);
  if (summary.failures.length > 0) {
    lines.push(
      `Sync a failed customer again with: npm run stripe:sync -- --customer ${summary.failures[0]?.customerId ?? 'cus_...'}` +
        `${options.account === null ? '' : ` --account ${options.account}`}${options.outputs === undefined ? '' : ` --outputs ${shellWord(options.outputs)}`}`,
    );
  }
  return lines.join('\n');
}

export interface StripeSyncIo {
  /** The summary and what the run targets (stdout). */
  out(line: string): void;
  /** Progress, failures as they happen, errors (stderr). */
  err(line: string): void;
}

/** A failure the user can fix, printed as its message alone (exit 1). */
class StripeSyncTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StripeSyncTargetError';
  }
}

interface SyncTarget {
  readonly tableName: string;
  readonly dynamodb: DynamoDBClient;
  readonly apiKey: string;
  readonly apiUrl: string | undefined;
  /** Where the table and the API are, for the first line. */
  readonly description: string;
}

async function resolveTarget(
  options: StripeSyncCliOptions,
  env: NodeJS.ProcessEnv,
  statePath: string,
): Promise<SyncTarget> {
  if (options.outputs === undefined) {
    const local = localTarget(statePath);
    let state: LocalPipelineState & { readonly billingStateTableName?: string };
    try {
      state = JSON.parse(readFileSync(statePath, 'utf8')) as typeof state;
    } catch {
      state = { emulatorEndpoint: local.emulatorEndpoint, webhookUrl: local.webhookUrl, pid: 0 };
    }
    const tableName = state.billingStateTableName ?? localResourceNames.billingStateTable;
    return {
      tableName,
      dynamodb: new DynamoDBClient(localClientConfig(local.emulatorEndpoint)),
      apiKey: local.apiKey,
      apiUrl: local.stripeApiUrl,
      description: `the local pipeline's table ${tableName}, from the fake Stripe API at ${local.stripeApiUrl}`,
    };
  }
  const outputs = stackOutputs(options.outputs, options.stack);
  const tableName = outputs.BillingStateTableName;
  if (typeof tableName !== 'string' || tableName === '') {
    throw new StripeToolUsageError(
      `The stack outputs in ${options.outputs} have no BillingStateTableName: the billing state is off in that stack ` +
        '(turn it on with context billingState=true, which needs stripeApiKeySecretName, and deploy), or the file is ' +
        `older than it: write it again with \`npx cdk deploy --outputs-file ${options.outputs}\`.`,
    );
  }
  const apiKey = await deployedApiKey(options.apiKeySecret, env);
  const apiUrl = env.STRIPE_API_URL?.trim() || undefined;
  // A bad STRIPE_API_URL is refused here, with what it should be, before any call.
  parseStripeApiUrl(apiUrl);
  return {
    tableName,
    dynamodb: new DynamoDBClient({}),
    apiKey,
    apiUrl,
    description: `table ${tableName}, from ${apiUrl === undefined ? "Stripe's API" : `the Stripe API at ${apiUrl} (STRIPE_API_URL)`}`,
  };
}

/** Fails early, with the fix, when the table is not there, rather than once per customer. */
async function checkTable(target: SyncTarget, options: StripeSyncCliOptions): Promise<void> {
  try {
    await target.dynamodb.send(new DescribeTableCommand({ TableName: target.tableName }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ResourceNotFoundException') {
      throw new StripeSyncTargetError(
        options.outputs === undefined
          ? `The local pipeline has no billing state table ${target.tableName}: restart \`npm start\` with the billing state on (its default).`
          : `Table ${target.tableName} (BillingStateTableName in ${options.outputs}) does not exist in this account and region: ` +
              'check AWS_REGION (or AWS_PROFILE) against the stack, and that the outputs file is of the current deployment.',
      );
    }
    throw new StripeSyncTargetError(
      `Could not read table ${target.tableName} (${error instanceof Error ? `${name}: ${error.message}` : String(error)}): ` +
        (options.outputs === undefined
          ? 'is `npm start` still running?'
          : 'check the AWS credentials and region (AWS_PROFILE, AWS_REGION); the tool needs dynamodb:DescribeTable, GetItem, PutItem and Scan on it.'),
    );
  }
}

/** Errors in what the user gave (files, key): exit 2 with the message alone, as the other Stripe tools do. */
function isTargetUsageError(error: unknown): error is Error {
  return (
    error instanceof StripeToolUsageError ||
    (error instanceof Error && ['InvalidStripeApiUrlError', 'InvalidStripeApiKeySecretError'].includes(error.name))
  );
}

const quiet: LoggerPort = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The command: its exit code (0, 1 when a customer failed, 2 on bad usage). */
export async function runStripeSyncCli(
  argv: readonly string[],
  io: StripeSyncIo,
  env: NodeJS.ProcessEnv = process.env,
  /** Where the running `npm start` describes itself (tests point it elsewhere). */
  localStatePath: string = localPipelineStatePath,
): Promise<number> {
  let options: StripeSyncCliOptions;
  try {
    const parsed = parseSyncArgs(argv);
    if (parsed === 'help') {
      io.out(syncUsage);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof StripeToolUsageError)) throw error;
    io.err(error.message);
    return 2;
  }
  quietSdkNodeVersionWarning();
  let target: SyncTarget;
  try {
    target = await resolveTarget(options, env, localStatePath);
  } catch (error) {
    // No local pipeline, an outputs file without the table, no key: the user's to fix (exit 2).
    if (!isTargetUsageError(error)) throw error;
    io.err(error.message);
    return 2;
  }
  let lastDone: string | undefined;
  const interrupted = () => {
    io.err(
      options.all
        ? `\nInterrupted. Resume after the last customer done with:\n  ${resumeCommand(options, lastDone)}`
        : '\nInterrupted.',
    );
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    await checkTable(target, options);
    const stripe = createStripeBillingApi({
      apiKey: async () => target.apiKey,
      apiUrl: target.apiUrl,
      ratePerSecond: options.rate,
      logger: {
        ...quiet,
        // The caller's retries (429, 5xx, no answer): one line each, as they happen.
        warn: (_message, details) =>
          io.err(
            `  Stripe answered ${String(details.status)} to a ${String(details.resource)} call` +
              `${details.requestId === undefined ? '' : ` (request ${String(details.requestId)})`}; retry ${String(details.attempt)} in ${String(details.delayMs)} ms`,
          ),
      },
    });
    const who = options.account === null ? "the platform account's" : `connected account ${options.account}'s`;
    io.out(
      `${options.dryRun ? 'Dry run (nothing is written): comparing' : 'Syncing'} ${options.customer ?? `every customer of ${who}`} ` +
        `${options.dryRun ? 'with' : 'into'} ${target.description}, at ${options.rate} Stripe API call${options.rate === 1 ? '' : 's'}/s (--rate).`,
    );
    if (options.startingAfter !== undefined) io.out(`Resuming after ${options.startingAfter}.`);
    const summary = await runStripeSync(
      {
        target:
          options.customer === undefined
            ? { all: true, ...(options.startingAfter === undefined ? {} : { startingAfter: options.startingAfter }) }
            : { customer: options.customer },
        account: options.account,
        dryRun: options.dryRun,
        pageSize: options.pageSize,
      },
      {
        stripe,
        store: dynamoDbBillingStateStore(target.dynamodb, target.tableName),
        now: () => new Date(),
        logger: quiet,
        onPage: (progress) => io.err(formatPageProgress(progress, options)),
        onResumePoint: (customerId) => {
          lastDone = customerId;
        },
        onCustomer: (customerId, result, error) => {
          if (result === 'failed') io.err(`failed ${customerId}: ${error ?? 'unknown error'}`);
        },
        onCheckStart: (candidates) => {
          if (candidates > 0) {
            io.err(
              `checking ${candidates} stored customer${candidates === 1 ? '' : 's'} Stripe did not list, for deletion`,
            );
          }
        },
      },
    );
    io.out(formatSyncSummary(summary, options));
    return summary.failed > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof CustomerListingError) {
      io.err(`${error.message}\nResume with:\n  ${resumeCommand(options, error.lastCustomerId)}`);
      return 1;
    }
    if (error instanceof StripeSyncTargetError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
    target.dynamodb.destroy();
  }
}

if (require.main === module) {
  runStripeTool((args) => runStripeSyncCli(args, { out: console.log, err: console.error }));
}
