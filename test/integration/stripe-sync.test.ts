/**
 * `npm run stripe:sync` against the fake Stripe API over HTTP and the billing state table on moto: the
 * backfill page after page, a customer deleted in Stripe, a dry run, a 500 that fails one customer and
 * not the run, resuming with --starting-after; and the command itself as a process (its help, and a
 * real run through an outputs file, as against a deployed stack).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbBillingStateStore } from '../../functions/billing-state/billing-state-store';
import { createStripeBillingApi } from '../../functions/shared/stripe-api/billing';
import { type FakeStripeApi, startFakeStripeApi } from '../../tools/fake-stripe/server';
import { ensureBillingStateTable, localClientConfig } from '../../tools/local/resources';
import { localStripeApiKey } from '../../tools/local/stripe-api';
import { runStripeSyncCli, syncUsage } from '../../tools/stripe-sync';
import { runStripeSync, type StripeSyncRunOptions } from '../../tools/stripe-sync-run';
import { requireMotoEndpoint } from '../support/wait-for';

jest.setTimeout(60_000);
const endpoint = requireMotoEndpoint();
const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
const root = join(__dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'stripe-sync-'));
let fake: FakeStripeApi;
let tables = 0;

beforeAll(async () => {
  fake = await startFakeStripeApi({ port: 0 });
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
  dynamodb.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

/** A table of its own for each test: the check for deletions reads every stored customer. */
async function freshTable(): Promise<string> {
  tables += 1;
  return ensureBillingStateTable(dynamodb, `stripe-sync-test-${Date.now()}-${tables}`);
}

async function itemCount(tableName: string): Promise<number> {
  return (await dynamodb.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }))).Count ?? 0;
}

/** Three customers, listed A, B, C (newest first): A has an active subscription and an entitlement. */
function threeCustomers(): void {
  const created = 1_800_000_000;
  for (const [index, id] of ['cus_SyncC', 'cus_SyncB', 'cus_SyncA'].entries()) {
    fake.setObject({ id, object: 'customer', created: created + index, email: `${id.toLowerCase()}@example.com` });
  }
  fake.setObject({
    id: 'sub_SyncA',
    object: 'subscription',
    customer: 'cus_SyncA',
    created,
    status: 'active',
    cancel_at_period_end: false,
    items: { object: 'list', data: [{ id: 'si_SyncA', quantity: 1, price: { id: 'price_pro', lookup_key: 'pro' } }] },
  });
  fake.setObject({
    id: 'ent_SyncA',
    object: 'entitlements.active_entitlement',
    customer: 'cus_SyncA',
    feature: 'feat_sso',
    livemode: false,
    lookup_key: 'sso',
  });
}

const maxRetries = 1;

function run(tableName: string, options: Partial<StripeSyncRunOptions> = {}) {
  const pages: string[] = [];
  const failures: string[] = [];
  const summary = runStripeSync(
    { target: { all: true }, account: null, dryRun: false, pageSize: 2, ...options },
    {
      stripe: createStripeBillingApi({
        apiKey: async () => localStripeApiKey,
        apiUrl: fake.url,
        ratePerSecond: 100,
        maxRetries,
        retryBaseMs: 1,
      }),
      store: dynamoDbBillingStateStore(dynamodb, tableName),
      now: () => new Date(),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      onPage: (progress) => pages.push(`${progress.page}:${progress.lastCustomerId}`),
      onCustomer: (customerId, result, error) => {
        if (result === 'failed') failures.push(`${customerId}: ${error}`);
      },
    },
  );
  return { summary, pages, failures };
}

describe('stripe:sync on the fake Stripe API and DynamoDB (moto)', () => {
  it('backfills every customer over pages of 2, as Stripe has them', async () => {
    // Prepare
    threeCustomers();
    const tableName = await freshTable();
    // Act
    const { summary, pages } = run(tableName);
    // Assess
    await expect(summary).resolves.toMatchObject({
      synced: 3,
      unchanged: 0,
      deleted: 0,
      failed: 0,
      listed: 3,
      pages: 2,
    });
    expect(pages).toEqual(['1:cus_SyncB', '2:cus_SyncC']);
    const lists = fake.requests().filter((request) => request.path === '/v1/customers');
    expect(lists.map((request) => request.query)).toEqual(['limit=2', 'limit=2&starting_after=cus_SyncB']);
    const stored = await dynamoDbBillingStateStore(dynamodb, tableName).get('cus_SyncA', null);
    expect(stored?.state).toMatchObject({
      customerId: 'cus_SyncA',
      email: 'cus_synca@example.com',
      access: true,
      deleted: false,
      subscriptions: [{ id: 'sub_SyncA', status: 'active', items: [{ priceId: 'price_pro', lookupKey: 'pro' }] }],
      entitlements: [{ featureId: 'feat_sso', lookupKey: 'sso' }],
      sourceEventId: null,
    });
  });

  it('writes nothing in a dry run, then a second run finds everything unchanged', async () => {
    // Prepare
    threeCustomers();
    const tableName = await freshTable();
    // Act
    const dryRun = await run(tableName, { dryRun: true }).summary;
    const itemsAfterDryRun = await itemCount(tableName);
    await run(tableName).summary;
    const again = await run(tableName).summary;
    // Assess
    expect(dryRun).toMatchObject({ dryRun: true, synced: 3, failed: 0 });
    expect(itemsAfterDryRun).toBe(0);
    expect(again).toMatchObject({ synced: 0, unchanged: 3, deleted: 0, failed: 0 });
  });

  it('stores as deleted a customer deleted in Stripe, which Stripe no longer lists', async () => {
    // Prepare
    threeCustomers();
    const tableName = await freshTable();
    await run(tableName).summary;
    fake.setObject({ id: 'cus_SyncB', object: 'customer', deleted: true });
    // Act
    const dryRun = await run(tableName, { dryRun: true }).summary;
    const summary = await run(tableName).summary;
    // Assess
    expect(dryRun).toMatchObject({ deleted: 1, unchanged: 2, listed: 2, checked: 1 });
    expect(summary).toMatchObject({ synced: 0, unchanged: 2, deleted: 1, failed: 0, listed: 2, checked: 1 });
    const stored = await dynamoDbBillingStateStore(dynamodb, tableName).get('cus_SyncB', null);
    expect(stored?.state).toMatchObject({ deleted: true, access: false, subscriptions: [] });
  });

  it('counts a customer whose calls keep failing (500) as one failure, and syncs the rest', async () => {
    // Prepare: every attempt (the first and its retries) at cus_SyncB gets Stripe's 500
    threeCustomers();
    const tableName = await freshTable();
    fake.injectFaults({ status: 500, count: maxRetries + 1, path: '/v1/customers/cus_SyncB' });
    // Act
    const { summary, failures } = run(tableName);
    // Assess
    await expect(summary).resolves.toMatchObject({ synced: 2, failed: 1, listed: 3 });
    expect(failures).toEqual([
      expect.stringMatching(/^cus_SyncB: Stripe answered 500 api_error to GET \/v1\/customers\/cus_SyncB/),
    ]);
    expect(await itemCount(tableName)).toBe(2);
    expect(fake.requests().some((request) => request.path === '/v1/customers/cus_SyncC')).toBe(true);
  });

  it('resumes after --starting-after, listing only the customers after it', async () => {
    // Prepare: an earlier run synced the first page (cus_SyncA, cus_SyncB), then stopped
    threeCustomers();
    const tableName = await freshTable();
    await run(tableName, { target: { customer: 'cus_SyncA' } }).summary;
    await run(tableName, { target: { customer: 'cus_SyncB' } }).summary;
    const before = fake.requests().length;
    // Act
    const summary = await run(tableName, { target: { all: true, startingAfter: 'cus_SyncB' } }).summary;
    // Assess
    expect(summary).toMatchObject({ synced: 1, listed: 1, pages: 1, lastCustomerId: 'cus_SyncC', checked: 2 });
    const calls = fake.requests().slice(before);
    expect(calls.filter((request) => request.path === '/v1/customers')).toEqual([
      expect.objectContaining({ query: 'limit=2&starting_after=cus_SyncB' }),
    ]);
    // The two stored customers not listed are checked for deletion (one retrieve each), not synced again.
    expect(calls.filter((request) => request.path === '/v1/subscriptions')).toHaveLength(1);
    expect(await itemCount(tableName)).toBe(3);
  });
});

describe('npm run stripe:sync against npm start', () => {
  function localState(fields: Record<string, unknown>): string {
    const path = join(scratch, `pipeline-${Date.now()}.json`);
    const state = { emulatorEndpoint: endpoint, webhookUrl: 'http://127.0.0.1:4242/webhook', pid: 1, ...fields };
    writeFileSync(path, JSON.stringify(state));
    return path;
  }
  function output() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
  }

  it("finds the table and the fake Stripe API in the running pipeline's state file", async () => {
    // Prepare
    threeCustomers();
    const tableName = await freshTable();
    const statePath = localState({ stripeApiUrl: fake.url, billingStateTableName: tableName });
    const { out, err, io } = output();
    // Act
    const code = await runStripeSyncCli(['--all', '--dry-run', '--rate', '100'], io, {}, statePath);
    // Assess
    expect(code).toBe(0);
    expect(out[0]).toBe(
      `Dry run (nothing is written): comparing every customer of the platform account's with the local pipeline's table ${tableName}, from the fake Stripe API at ${fake.url}, at 100 Stripe API calls/s (--rate).`,
    );
    expect(err).toEqual([
      `page 1: 3 customers so far, would sync 3, unchanged 0, would mark deleted 0, failed 0; last cus_SyncC; to resume after it: npm run stripe:sync -- --all --starting-after cus_SyncC --dry-run --rate 100`,
    ]);
    expect(out.at(-1)).toBe(
      'Dry run, nothing written: would sync 3, unchanged 0, would mark deleted 0, failed 0 (3 customers listed in 1 page; 0 stored customers not listed, checked for deletion)',
    );
    expect(await itemCount(tableName)).toBe(0);
  });

  it('says to start npm start, or to restart it, when there is no pipeline or no table', async () => {
    // Prepare
    const none = output();
    const noTable = output();
    const statePath = localState({ stripeApiUrl: fake.url, billingStateTableName: 'stripe-sync-test-no-such-table' });
    // Act
    const noneCode = await runStripeSyncCli(['--all'], none.io, {}, join(scratch, 'not-there.json'));
    const noTableCode = await runStripeSyncCli(['--customer', 'cus_SyncA'], noTable.io, {}, statePath);
    // Assess
    expect(noneCode).toBe(2);
    expect(none.err.join('\n')).toContain('No local pipeline found: start it with `npm start`');
    expect(noTableCode).toBe(1);
    expect(noTable.err.join('\n')).toContain(
      'The local pipeline has no billing state table stripe-sync-test-no-such-table: restart `npm start`',
    );
  });
});

describe('npm run stripe:sync as a process', () => {
  /** The command as a child process; asynchronous, since the fake Stripe API it calls is served by this process. */
  function cli(
    args: readonly string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'tools/stripe-sync.ts', ...args],
        { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env } },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          if (code === null) reject(error);
          else resolve({ code, out: stdout, err: stderr });
        },
      );
    });
  }

  it('prints its usage for --help, and refuses an unknown option with it (exit 2)', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out.trim()).toBe(syncUsage);
    const bogus = await cli(['--all', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain("Unknown option '--bogus'");
    expect(bogus.err).toContain('Usage: npm run stripe:sync');
  });

  it('backfills a stack from its outputs file, printing each page with its resume command and the counts', async () => {
    // Prepare: a deployed stack's outputs, the key in STRIPE_API_KEY, the fake as STRIPE_API_URL, moto as AWS
    threeCustomers();
    const tableName = await freshTable();
    const outputs = join(scratch, 'cdk-outputs.json');
    writeFileSync(outputs, JSON.stringify({ StripeWebhooks: { BillingStateTableName: tableName } }));
    const env = {
      STRIPE_API_KEY: localStripeApiKey,
      STRIPE_API_URL: fake.url,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    // Act
    const first = await cli(['--all', '--page-size', '2', '--rate', '50', '--outputs', outputs], env);
    const one = await cli(['--customer', 'cus_SyncA', '--outputs', outputs], env);
    // Assess
    expect(first.code).toBe(0);
    expect(first.out).toContain(`Syncing every customer of the platform account's into table ${tableName}`);
    expect(first.err).toContain(
      `page 1: 2 customers so far, synced 2, unchanged 0, deleted 0, failed 0; last cus_SyncB; to resume after it: npm run stripe:sync -- --all --starting-after cus_SyncB --page-size 2 --rate 50 --outputs ${outputs}`,
    );
    expect(first.out).toContain('synced 3, unchanged 0, deleted 0, failed 0 (3 customers listed in 2 pages;');
    expect(await itemCount(tableName)).toBe(3);
    expect(one.code).toBe(0);
    expect(one.out).toContain(
      'cus_SyncA: unchanged; access yes; 1 subscription (sub_SyncA active); 1 entitlement (sso)',
    );
  });

  it('exits 1 naming the failed customer, and says what to fix when the table does not exist', async () => {
    // Prepare
    threeCustomers();
    const tableName = await freshTable();
    const outputs = join(scratch, 'cdk-outputs-failing.json');
    writeFileSync(outputs, JSON.stringify({ StripeWebhooks: { BillingStateTableName: tableName } }));
    const missing = join(scratch, 'cdk-outputs-missing.json');
    writeFileSync(missing, JSON.stringify({ StripeWebhooks: { BillingStateTableName: 'no-such-table' } }));
    const env = {
      STRIPE_API_KEY: localStripeApiKey,
      STRIPE_API_URL: fake.url,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    // The CLI retries 3 times after the first attempt: 4 faults fail the customer for good.
    fake.injectFaults({ status: 500, count: 4, path: '/v1/customers/cus_SyncC' });
    // Act
    const failing = await cli(['--all', '--rate', '50', '--outputs', outputs], env);
    const noTable = await cli(['--all', '--outputs', missing], env);
    // Assess
    expect(failing.code).toBe(1);
    expect(failing.err).toMatch(/failed cus_SyncC: Stripe answered 500 api_error/);
    expect(failing.out).toContain('synced 2, unchanged 0, deleted 0, failed 1');
    expect(failing.out).toContain(
      `Sync a failed customer again with: npm run stripe:sync -- --customer cus_SyncC --outputs ${outputs}`,
    );
    expect(noTable.code).toBe(1);
    expect(noTable.err).toContain(`Table no-such-table (BillingStateTableName in ${missing}) does not exist`);
  });
});
