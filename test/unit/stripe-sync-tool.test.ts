/**
 * `npm run stripe:sync`'s command line (tools/stripe-sync.ts) and its run (tools/stripe-sync-run.ts)
 * over the in-memory store and a Stripe API stand-in. Against the fake Stripe API and DynamoDB on moto,
 * as a process too: test/integration/stripe-sync.test.ts.
 */
import type Stripe from 'stripe';
import { inMemoryBillingStateStore } from '../../functions/billing-state/billing-state-store';
import type { StripeBillingApi } from '../../functions/shared/stripe-api/billing';
import { StripeApiError, StripeObjectNotFoundError } from '../../functions/shared/stripe-api/port';
import {
  defaultSyncRate,
  formatPageProgress,
  parseSyncArgs,
  resumeCommand,
  runStripeSyncCli,
  type StripeSyncCliOptions,
  syncUsage,
} from '../../tools/stripe-sync';
import { CustomerListingError, runStripeSync } from '../../tools/stripe-sync-run';
import { StripeToolUsageError } from '../../tools/stripe-targets';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
}

describe('stripe:sync command line', () => {
  it('prints its usage for --help, documenting every option', async () => {
    // Prepare
    const { out, io: streams } = io();
    // Act
    const code = await runStripeSyncCli(['--help'], streams);
    // Assess
    expect(code).toBe(0);
    expect(out.join('\n')).toBe(syncUsage);
    for (const option of [
      '--customer',
      '--all',
      '--starting-after',
      '--page-size',
      '--dry-run',
      '--account',
      '--rate',
      '--outputs',
      '--stack',
      '--api-key-secret',
      '--help',
    ]) {
      expect(syncUsage).toContain(`  ${option}`);
    }
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--all', 'extra'], /Unexpected argument 'extra'/],
    [[], /Give --customer cus_\.\.\. \(one customer\) or --all/],
    [['--customer', 'cus_A', '--all'], /Give --customer or --all, not both/],
    [['--customer', 'cus_A', '--starting-after', 'cus_B'], /--starting-after resumes a backfill: it goes with --all/],
    [['--customer', 'cus_A', '--page-size', '10'], /--page-size goes with --all/],
    [['--customer', 'jenny@example.com'], /--customer "jenny@example.com" is not a customer id/],
    [['--all', '--starting-after', 'sub_1'], /--starting-after "sub_1" is not a customer id/],
    [['--all', '--rate', '0'], /--rate "0" is not a whole number from 1 to 100/],
    [['--all', '--rate', '2.5'], /--rate "2.5" is not a whole number/],
    [['--all', '--page-size', '101'], /--page-size "101" is not a whole number from 1 to 100/],
    [['--all', '--account', 'cus_A'], /--account "cus_A" is not a connected account id/],
    [['--all', '--stack', 'Prod'], /--stack applies to a deployed stack: give its outputs file with --outputs/],
    [['--all', '--api-key-secret', 'k'], /--api-key-secret applies to a deployed stack/],
    [['--customer'], /argument missing/],
  ])('exits 2 with what to fix and the usage for %j', async (args, message) => {
    // Prepare
    const { out, err, io: streams } = io();
    // Act
    const code = await runStripeSyncCli(args, streams);
    // Assess
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('\n')).toMatch(message);
    expect(err.join('\n')).toContain(syncUsage);
  });

  it('reads a backfill with its defaults, and every option', () => {
    expect(parseSyncArgs(['--all'])).toEqual({
      all: true,
      pageSize: 100,
      dryRun: false,
      account: null,
      rate: defaultSyncRate,
    });
    expect(
      parseSyncArgs([
        '--all',
        '--starting-after',
        'cus_B',
        '--page-size',
        '2',
        '--dry-run',
        '--account',
        'acct_1',
        '--rate',
        '5',
        '--outputs',
        'out.json',
        '--stack',
        'Prod',
        '--api-key-secret',
        'stripe/key',
      ]),
    ).toEqual({
      all: true,
      startingAfter: 'cus_B',
      pageSize: 2,
      dryRun: true,
      account: 'acct_1',
      rate: 5,
      outputs: 'out.json',
      stack: 'Prod',
      apiKeySecret: 'stripe/key',
    });
    expect(parseSyncArgs(['--customer', 'cus_A'])).toMatchObject({ customer: 'cus_A', all: false });
    expect(() => parseSyncArgs(['--all', '--customer', 'cus_A'])).toThrow(StripeToolUsageError);
  });

  it('prints, with each page, the exact command that resumes after it', () => {
    // Prepare
    const options = parseSyncArgs([
      '--all',
      '--dry-run',
      '--page-size',
      '2',
      '--outputs',
      'my outputs.json',
      '--api-key-secret',
      'stripe/key',
    ]) as StripeSyncCliOptions;
    // Act
    const line = formatPageProgress(
      { page: 3, listed: 6, lastCustomerId: 'cus_F', synced: 4, unchanged: 1, deleted: 0, failed: 1 },
      options,
    );
    // Assess
    expect(line).toBe(
      "page 3: 6 customers so far, would sync 4, unchanged 1, would mark deleted 0, failed 1; last cus_F; to resume after it: npm run stripe:sync -- --all --starting-after cus_F --page-size 2 --dry-run --outputs 'my outputs.json' --api-key-secret stripe/key",
    );
    expect(
      resumeCommand(parseSyncArgs(['--all', '--starting-after', 'cus_B']) as StripeSyncCliOptions, undefined),
    ).toBe('npm run stripe:sync -- --all --starting-after cus_B');
  });
});

type Truth = Record<string, { deleted?: boolean; status?: string; entitlements?: string[]; missing?: boolean }>;

/** A Stripe API stand-in over `truth` (customers newest first in key order), failing the customers in `failing`. */
function stripeOver(truth: Truth, failing = new Set<string>()) {
  const calls: string[] = [];
  const fail = (id: string) => {
    if (failing.has(id)) throw new StripeApiError(`Stripe answered 500 api_error to GET /v1/customers/${id}`);
  };
  const api: StripeBillingApi = {
    async retrieveCustomer(id) {
      calls.push(`retrieve ${id}`);
      fail(id);
      const customer = truth[id];
      if (customer === undefined || customer.missing) throw new StripeObjectNotFoundError(`No such customer: '${id}'`);
      return customer.deleted
        ? ({ id, object: 'customer', deleted: true } as Stripe.DeletedCustomer)
        : ({ id, object: 'customer', email: `${id.toLowerCase()}@example.com`, name: id } as Stripe.Customer);
    },
    async listSubscriptions(id) {
      calls.push(`subscriptions ${id}`);
      const status = truth[id]?.status;
      return status === undefined
        ? []
        : [{ id: `sub_${id.slice(4)}`, status, items: { data: [] } } as unknown as Stripe.Subscription];
    },
    async listActiveEntitlements(id) {
      calls.push(`entitlements ${id}`);
      return (truth[id]?.entitlements ?? []).map(
        (key) =>
          ({ id: `ent_${key}`, feature: `feat_${key}`, lookup_key: key }) as Stripe.Entitlements.ActiveEntitlement,
      );
    },
    async listCustomers(page) {
      calls.push(`list after ${page.startingAfter ?? '-'}`);
      const listed = Object.keys(truth).filter((id) => !truth[id]?.deleted && !truth[id]?.missing);
      const start = page.startingAfter === undefined ? 0 : listed.indexOf(page.startingAfter) + 1;
      const limit = page.limit ?? 100;
      const data = listed.slice(start, start + limit).map((id) => ({ id, object: 'customer' }) as Stripe.Customer);
      return { data, hasMore: start + limit < listed.length };
    },
  };
  return { api, calls };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
// A clock that moves a second per reading: every sync starts later than the one before.
let clock = Date.parse('2026-12-01T10:00:00Z');
const deps = (api: StripeBillingApi, store = inMemoryBillingStateStore()) => ({
  stripe: api,
  store,
  now: () => {
    clock += 1000;
    return new Date(clock);
  },
  logger: quiet,
});
const all = { target: { all: true as const }, account: null, dryRun: false, pageSize: 2 };

describe('runStripeSync', () => {
  it('syncs every listed customer page after page, counting new and unchanged ones', async () => {
    // Prepare
    const truth: Truth = {
      cus_A: { status: 'active', entitlements: ['sso'] },
      cus_B: {},
      cus_C: { status: 'canceled' },
    };
    const { api, calls } = stripeOver(truth);
    const store = inMemoryBillingStateStore();
    const pages: string[] = [];
    // Act
    const first = await runStripeSync(all, {
      ...deps(api, store),
      onPage: (progress) => pages.push(`${progress.page}:${progress.listed}:${progress.lastCustomerId}`),
    });
    const second = await runStripeSync(all, deps(api, store));
    // Assess
    expect(first).toMatchObject({ synced: 3, unchanged: 0, deleted: 0, failed: 0, listed: 3, pages: 2, checked: 0 });
    expect(pages).toEqual(['1:2:cus_B', '2:3:cus_C']);
    expect(calls.slice(0, 4)).toEqual(['list after -', 'retrieve cus_A', 'subscriptions cus_A', 'entitlements cus_A']);
    expect(store.items.get('platform/cus_A')?.state).toMatchObject({
      access: true,
      sourceEventId: null,
      entitlements: [{ lookupKey: 'sso' }],
    });
    expect(second).toMatchObject({ synced: 0, unchanged: 3, failed: 0 });
  });

  it('marks deleted the stored customers Stripe no longer lists, once', async () => {
    // Prepare
    const truth: Truth = { cus_A: { status: 'active' }, cus_B: {}, cus_C: {} };
    const { api } = stripeOver(truth);
    const store = inMemoryBillingStateStore();
    await runStripeSync(all, deps(api, store));
    truth.cus_B = { deleted: true };
    truth.cus_C = { missing: true };
    // Act
    const summary = await runStripeSync(all, deps(api, store));
    const again = await runStripeSync(all, deps(api, store));
    // Assess
    expect(summary).toMatchObject({ synced: 0, unchanged: 1, deleted: 2, failed: 0, listed: 1, checked: 2 });
    expect(store.items.get('platform/cus_B')?.state).toMatchObject({ deleted: true, access: false });
    expect(again).toMatchObject({ deleted: 0, unchanged: 1, checked: 0 });
  });

  it('writes nothing in a dry run, and counts what would change', async () => {
    // Prepare
    const { api } = stripeOver({ cus_A: { status: 'active' }, cus_B: {} });
    const store = inMemoryBillingStateStore();
    // Act
    const summary = await runStripeSync({ ...all, dryRun: true }, deps(api, store));
    // Assess
    expect(summary).toMatchObject({ dryRun: true, synced: 2, failed: 0 });
    expect(store.items.size).toBe(0);
  });

  it('counts a failed customer, says why, and goes on', async () => {
    // Prepare
    const { api } = stripeOver({ cus_A: {}, cus_B: {}, cus_C: {} }, new Set(['cus_B']));
    const failed: string[] = [];
    // Act
    const summary = await runStripeSync(all, {
      ...deps(api),
      onCustomer: (id, result, error) => {
        if (result === 'failed') failed.push(`${id}: ${error}`);
      },
    });
    // Assess
    expect(summary).toMatchObject({ synced: 2, failed: 1, listed: 3 });
    expect(summary.failures).toEqual([{ customerId: 'cus_B', error: expect.stringContaining('500 api_error') }]);
    expect(failed).toEqual([expect.stringMatching(/^cus_B: Stripe answered 500/)]);
  });

  it('resumes after --starting-after, and the check for deletions skips customers still alive', async () => {
    // Prepare
    const truth: Truth = { cus_A: {}, cus_B: {}, cus_C: {}, cus_D: {} };
    const { api, calls } = stripeOver(truth);
    const store = inMemoryBillingStateStore();
    await runStripeSync(all, deps(api, store));
    calls.length = 0;
    // Act
    const summary = await runStripeSync({ ...all, target: { all: true, startingAfter: 'cus_B' } }, deps(api, store));
    // Assess
    expect(summary).toMatchObject({ listed: 2, unchanged: 2, deleted: 0, checked: 2, lastCustomerId: 'cus_D' });
    expect(calls[0]).toBe('list after cus_B');
    // cus_A and cus_B: one retrieve each, found alive, not synced again.
    expect(calls.filter((call) => call.endsWith('cus_A'))).toEqual(['retrieve cus_A']);
  });

  it('syncs one customer, forced, and stores an unknown one as deleted', async () => {
    // Prepare
    const { api } = stripeOver({ cus_A: { status: 'trialing' } });
    const store = inMemoryBillingStateStore();
    // Act
    const one = await runStripeSync({ target: { customer: 'cus_A' }, account: null, dryRun: false }, deps(api, store));
    const again = await runStripeSync(
      { target: { customer: 'cus_A' }, account: null, dryRun: false },
      deps(api, store),
    );
    const unknown = await runStripeSync(
      { target: { customer: 'cus_Nobody' }, account: 'acct_1', dryRun: false },
      deps(api, store),
    );
    // Assess
    expect(one).toMatchObject({ synced: 1, state: { access: true, subscriptions: [{ status: 'trialing' }] } });
    expect(again).toMatchObject({ unchanged: 1 });
    expect(unknown).toMatchObject({ deleted: 1, state: { deleted: true, account: 'acct_1' } });
    expect(store.items.has('acct_1/cus_Nobody')).toBe(true);
  });

  it('stops with the resume point when a page of the listing fails for good', async () => {
    // Prepare
    const { api } = stripeOver({ cus_A: {}, cus_B: {}, cus_C: {} });
    const listCustomers = api.listCustomers;
    api.listCustomers = async (page, scope) => {
      if (page.startingAfter === 'cus_B')
        throw new StripeApiError('Stripe answered 503 api_error to GET /v1/customers');
      return listCustomers(page, scope);
    };
    // Act
    const failure = runStripeSync(all, deps(api));
    // Assess
    await expect(failure).rejects.toThrow(CustomerListingError);
    await expect(failure).rejects.toMatchObject({ lastCustomerId: 'cus_B' });
  });
});
