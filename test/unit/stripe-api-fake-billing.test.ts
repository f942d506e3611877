/**
 * The fake Stripe API's billing reads (customers, subscriptions, active entitlements, `expand[]`) and its
 * `/_fake/objects` control route, through the real `stripe` client on loopback: what a billing state sync
 * gets from it, page by page, as it would from Stripe.
 */
import Stripe from 'stripe';
import { InvalidFakeObjectError } from '../../tools/fake-stripe/object-store';
import { exampleObject } from '../../tools/fake-stripe/resources/objects';
import { type FakeStripeApi, startFakeStripeApi } from '../../tools/fake-stripe/server';

const key = 'rk_test_billing_sync_key';
const startSeconds = 1_800_000_000;
let clockMs = startSeconds * 1000;
let fake: FakeStripeApi;
let stripe: Stripe;

beforeAll(async () => {
  fake = await startFakeStripeApi({ port: 0, now: () => clockMs });
  const url = new URL(fake.url);
  stripe = new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
  clockMs = startSeconds * 1000;
});

/** Stripe's example object of the type, with the fields a test needs. */
function example(
  type: 'customer' | 'subscription' | 'payment_method',
  fields: Record<string, unknown> & { id: string },
) {
  const base = exampleObject(type, fields.id);
  if (base === undefined) throw new Error(`no example ${type}`);
  return { ...base, ...fields };
}

const subscription = (id: string, customer: string, created: number, status: string) =>
  example('subscription', { id, customer, created, status });

async function control(method: string, path: string, body?: string) {
  const response = await fetch(`${fake.url}${path}`, { method, ...(body === undefined ? {} : { body }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs a call that must fail; returns stripe-node's error. */
async function stripeError(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('GET /v1/customers', () => {
  it('lists known customers newest first in cursor pages, without deleted ones', async () => {
    // Prepare: five customers created a second apart, cus_3 deleted.
    for (let index = 1; index <= 5; index += 1) {
      fake.setObject(example('customer', { id: `cus_${index}`, created: startSeconds - 100 + index }));
    }
    fake.setObject({ id: 'cus_3', object: 'customer', deleted: true });
    // Act
    const first = await stripe.customers.list({ limit: 2 });
    const second = await stripe.customers.list({ limit: 2, starting_after: 'cus_4' });
    const back = await stripe.customers.list({ limit: 1, ending_before: 'cus_4' });
    // Assess
    expect([first.data.map((customer) => customer.id), first.has_more, first.url]).toEqual([
      ['cus_5', 'cus_4'],
      true,
      '/v1/customers',
    ]);
    expect([second.data.map((customer) => customer.id), second.has_more]).toEqual([['cus_2', 'cus_1'], false]);
    expect(back.data.map((customer) => customer.id)).toEqual(['cus_5']);
  });

  it('lists a customer learned from an event, and the default limit is 10', async () => {
    // Prepare
    for (let index = 1; index <= 11; index += 1) {
      fake.setObject(example('customer', { id: `cus_set${index}`, created: startSeconds - 100 + index }));
    }
    fake.observeEvent({
      id: 'evt_customer_created',
      object: 'event',
      type: 'customer.created',
      created: startSeconds,
      data: { object: example('customer', { id: 'cus_from_event', created: startSeconds }) },
    });
    // Act
    const page = await stripe.customers.list();
    const everyone = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    // Assess
    expect(page.data).toHaveLength(10);
    expect(page.data[0]?.id).toBe('cus_from_event');
    expect(page.has_more).toBe(true);
    expect(everyone.map((customer) => customer.id)).toHaveLength(12);
  });

  it("answers an unknown parameter with Stripe's 400 parameter_unknown", async () => {
    const error = await stripeError(() =>
      stripe.customers.list({ limit: 1, test_clock: 'clock_1', colour: 'red' } as Stripe.CustomerListParams),
    );
    expect(error).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'test_clock',
      message: 'Received unknown parameter: test_clock',
    });
  });
});

describe('GET /v1/customers/:id with expand[]', () => {
  it('replaces the default payment method and default source ids with their objects', async () => {
    // Prepare
    fake.setObject(
      example('customer', {
        id: 'cus_pays',
        created: startSeconds,
        default_source: 'card_1Unknown',
        invoice_settings: { default_payment_method: 'pm_known' },
      }),
    );
    fake.setObject(example('payment_method', { id: 'pm_known', customer: 'cus_pays', metadata: { set: 'by test' } }));
    // Act
    const customer = (await stripe.customers.retrieve('cus_pays', {
      expand: ['invoice_settings.default_payment_method', 'default_source'],
    })) as Stripe.Customer;
    // Assess
    const paymentMethod = customer.invoice_settings.default_payment_method as Stripe.PaymentMethod;
    expect(paymentMethod).toMatchObject({
      id: 'pm_known',
      object: 'payment_method',
      customer: 'cus_pays',
      metadata: { set: 'by test' },
    });
    expect(customer.default_source).toMatchObject({
      id: 'card_1Unknown',
      object: 'card',
      last4: '4242',
      customer: 'cus_pays',
    });
  });

  it("expands an unknown payment method to Stripe's example, and leaves null and unexpanded ids alone", async () => {
    // Prepare
    fake.setObject(
      example('customer', { id: 'cus_plain', invoice_settings: { default_payment_method: 'pm_made_up' } }),
    );
    // Act
    const expanded = (await stripe.customers.retrieve('cus_plain', {
      expand: ['invoice_settings.default_payment_method', 'default_source'],
    })) as Stripe.Customer;
    const notExpanded = (await stripe.customers.retrieve('cus_plain')) as Stripe.Customer;
    // Assess
    expect(expanded.invoice_settings.default_payment_method).toMatchObject({
      id: 'pm_made_up',
      object: 'payment_method',
      type: 'card',
      customer: 'cus_plain',
    });
    expect(expanded.default_source).toBeNull();
    expect(notExpanded.invoice_settings.default_payment_method).toBe('pm_made_up');
  });

  it('keeps the rest: example customers, 404 for missing ids, the deleted stub', async () => {
    // Prepare
    fake.setObject({ id: 'cus_gone', object: 'customer', email: 'gone@example.com', deleted: true });
    // Act
    const made = (await stripe.customers.retrieve('cus_MadeUp1', { expand: ['default_source'] })) as Stripe.Customer;
    const gone = await stripe.customers.retrieve('cus_gone', { expand: ['default_source'] });
    const missing = await stripeError(() => stripe.customers.retrieve('cus_missing1'));
    // Assess
    expect([made.id, made.email, made.default_source]).toEqual(['cus_MadeUp1', 'cus_madeup1@example.com', null]);
    expect(gone).toEqual({ id: 'cus_gone', object: 'customer', deleted: true });
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
  });

  it("answers a path it cannot expand with Stripe's 400 naming that expand[i]", async () => {
    const error = await stripeError(() => stripe.customers.retrieve('cus_any', { expand: ['default_source', 'xyz'] }));
    expect(error).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      message: 'This property cannot be expanded (xyz).',
      param: 'expand[1]',
    });
    expect(error.code).toBeUndefined();
  });
});

describe('GET /v1/subscriptions', () => {
  const statuses = ['active', 'trialing', 'past_due', 'canceled', 'incomplete_expired'];

  it('pages 250 subscriptions of every status with status=all: 100, 100, 50', async () => {
    // Prepare: sub_1 oldest ... sub_250 newest; another customer's subscription must not be listed.
    for (let index = 1; index <= 250; index += 1) {
      fake.setObject(subscription(`sub_${index}`, 'cus_many', startSeconds - 1000 + index, statuses[index % 5] ?? ''));
    }
    fake.setObject(subscription('sub_other', 'cus_other', startSeconds, 'active'));
    // Act
    const pages: Stripe.ApiList<Stripe.Subscription>[] = [];
    let startingAfter: string | undefined;
    do {
      const page = await stripe.subscriptions.list({
        customer: 'cus_many',
        status: 'all',
        limit: 100,
        ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
      });
      pages.push(page);
      startingAfter = page.has_more ? page.data.at(-1)?.id : undefined;
    } while (startingAfter !== undefined && pages.length < 5);
    // Assess
    expect(pages.map((page) => [page.data.length, page.has_more, page.url])).toEqual([
      [100, true, '/v1/subscriptions'],
      [100, true, '/v1/subscriptions'],
      [50, false, '/v1/subscriptions'],
    ]);
    const ids = pages.flatMap((page) => page.data.map((item) => item.id));
    expect(ids).toEqual(Array.from({ length: 250 }, (_, index) => `sub_${250 - index}`));
    expect(new Set(pages.flatMap((page) => page.data.map((item) => item.status)))).toEqual(new Set(statuses));
    const queries = fake
      .requests()
      .filter((request) => request.path === '/v1/subscriptions')
      .map((request) => request.query);
    expect(queries).toEqual([
      'customer=cus_many&status=all&limit=100',
      'customer=cus_many&status=all&limit=100&starting_after=sub_151',
      'customer=cus_many&status=all&limit=100&starting_after=sub_51',
    ]);
  });

  it('leaves out canceled and incomplete_expired by default, as Stripe does, and filters by one status', async () => {
    // Prepare
    for (const [index, status] of statuses.entries()) {
      fake.setObject(subscription(`sub_${status}`, 'cus_mixed', startSeconds + index, status));
    }
    // Act
    const byDefault = await stripe.subscriptions.list({ customer: 'cus_mixed' });
    const canceled = await stripe.subscriptions.list({ customer: 'cus_mixed', status: 'canceled' });
    const ended = await stripe.subscriptions.list({ customer: 'cus_mixed', status: 'ended' });
    const everyCustomer = await stripe.subscriptions.list({ status: 'active' });
    // Assess
    expect(byDefault.data.map((item) => item.id)).toEqual(['sub_past_due', 'sub_trialing', 'sub_active']);
    expect(canceled.data.map((item) => item.id)).toEqual(['sub_canceled']);
    expect(ended.data.map((item) => item.id)).toEqual(['sub_incomplete_expired', 'sub_canceled']);
    expect(everyCustomer.data.map((item) => item.id)).toEqual(['sub_active']);
  });

  it("answers an invalid status with Stripe's 400 naming status", async () => {
    const error = await stripeError(() =>
      stripe.subscriptions.list({ status: 'cancelled' } as unknown as Stripe.SubscriptionListParams),
    );
    expect(error).toMatchObject({ statusCode: 400, param: 'status' });
    expect(error.message).toMatch(/^Invalid status: must be one of active, all, canceled, ended/);
  });

  it('expands data.default_payment_method: a known one as set, another as the example', async () => {
    // Prepare
    fake.setObject({ ...subscription('sub_a', 'cus_pm', startSeconds, 'active'), default_payment_method: 'pm_set' });
    fake.setObject({ ...subscription('sub_b', 'cus_pm', startSeconds - 1, 'active'), default_payment_method: 'pm_x' });
    fake.setObject(example('payment_method', { id: 'pm_set', customer: 'cus_pm', type: 'sepa_debit' }));
    // Act
    const list = await stripe.subscriptions.list({ customer: 'cus_pm', expand: ['data.default_payment_method'] });
    const refused = await stripeError(() => stripe.subscriptions.list({ expand: ['data.plan.product'] }));
    // Assess
    expect(list.data.map((item) => item.default_payment_method)).toEqual([
      expect.objectContaining({ id: 'pm_set', type: 'sepa_debit' }),
      expect.objectContaining({ id: 'pm_x', object: 'payment_method', type: 'card', customer: 'cus_pm' }),
    ]);
    expect(refused).toMatchObject({ statusCode: 400, param: 'expand[0]' });
    expect(fake.requests().at(-2)?.query).toBe('customer=cus_pm&expand[0]=data.default_payment_method');
  });

  it('lists subscriptions learned from customer.subscription.* events, the newest event winning', async () => {
    // Prepare
    const event = (id: string, created: number, status: string) => ({
      id,
      object: 'event',
      type: 'customer.subscription.updated',
      created,
      data: { object: subscription('sub_evt', 'cus_evt', startSeconds - 500, status) },
    });
    fake.observeEvent(event('evt_new', startSeconds - 10, 'past_due'));
    fake.observeEvent(event('evt_old', startSeconds - 20, 'active'));
    // Act
    const list = await stripe.subscriptions.list({ customer: 'cus_evt' });
    // Assess
    expect(list.data.map((item) => [item.id, item.status])).toEqual([['sub_evt', 'past_due']]);
  });
});

describe('GET /v1/entitlements/active_entitlements', () => {
  const entitlement = (index: number, customer: string) => ({
    id: `ent_test_${index}`,
    object: 'entitlements.active_entitlement',
    feature: `feat_test_${index}`,
    livemode: false,
    lookup_key: `feature-${index}`,
    customer,
  });

  it("pages a customer's 12 entitlements by 10, newest set first, never serving the customer field", async () => {
    // Prepare
    for (let index = 1; index <= 12; index += 1) fake.setObject(entitlement(index, 'cus_entitled'));
    fake.setObject(entitlement(99, 'cus_someone_else'));
    // Act
    const first = await stripe.entitlements.activeEntitlements.list({ customer: 'cus_entitled' });
    const second = await stripe.entitlements.activeEntitlements.list({
      customer: 'cus_entitled',
      starting_after: first.data.at(-1)?.id ?? '',
    });
    const all = await stripe.entitlements.activeEntitlements
      .list({ customer: 'cus_entitled', limit: 100 })
      .autoPagingToArray({ limit: 100 });
    // Assess
    expect([first.data.length, first.has_more, first.url]).toEqual([10, true, '/v1/entitlements/active_entitlements']);
    expect(first.data[0]).toEqual({
      id: 'ent_test_12',
      object: 'entitlements.active_entitlement',
      feature: 'feat_test_12',
      livemode: false,
      lookup_key: 'feature-12',
    });
    expect([second.data.map((item) => item.id), second.has_more]).toEqual([['ent_test_2', 'ent_test_1'], false]);
    expect(all.map((item) => item.lookup_key)).toEqual(
      Array.from({ length: 12 }, (_, index) => `feature-${12 - index}`),
    );
    expect(all.some((item) => 'customer' in item)).toBe(false);
  });

  it("learns a summary event's list, but never over entitlements set after the event", async () => {
    // Prepare
    const summary = (created: number, keys: string[]) => ({
      id: `evt_summary_${created}`,
      object: 'event',
      type: 'entitlements.active_entitlement_summary.updated',
      created,
      data: {
        object: {
          object: 'entitlements.active_entitlement_summary',
          customer: 'cus_summary',
          entitlements: {
            object: 'list',
            data: keys.map((key) => ({
              ...entitlement(0, 'cus_summary'),
              id: `ent_${key}`,
              lookup_key: key,
              customer: undefined,
            })),
          },
        },
      },
    });
    const keys = async () =>
      (await stripe.entitlements.activeEntitlements.list({ customer: 'cus_summary' })).data.map(
        (item) => item.lookup_key,
      );
    // Act + Assess: the first summary, then a newer one replacing it
    fake.observeEvent(summary(startSeconds - 20, ['sso', 'audit_log']));
    expect((await keys()).sort()).toEqual(['audit_log', 'sso']);
    fake.observeEvent(summary(startSeconds - 10, ['sso']));
    expect(await keys()).toEqual(['sso']);
    // A set entitlement (now) stands against a summary created before it.
    fake.setObject({ ...entitlement(5, 'cus_summary'), lookup_key: 'priority' });
    fake.observeEvent(summary(startSeconds - 5, []));
    expect((await keys()).sort()).toEqual(['priority', 'sso']);
  });

  it('has none for a customer nobody set entitlements for', async () => {
    const list = await stripe.entitlements.activeEntitlements.list({ customer: 'cus_nothing' });
    expect([list.data, list.has_more]).toEqual([[], false]);
  });

  it("answers a missing customer with Stripe's 400 Missing required param", async () => {
    const error = await stripeError(() =>
      stripe.entitlements.activeEntitlements.list({ limit: 5 } as Stripe.Entitlements.ActiveEntitlementListParams),
    );
    expect(error).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'parameter_missing',
      param: 'customer',
      message: 'Missing required param: customer.',
    });
  });
});

describe('POST /_fake/objects', () => {
  it('stores an object and answers its id; DELETE forgets it', async () => {
    // Act
    const stored = await control('POST', '/_fake/objects', JSON.stringify(example('customer', { id: 'cus_posted' })));
    const listed = await stripe.customers.list();
    const deleted = await control('DELETE', '/_fake/objects/customer/cus_posted');
    const again = await control('DELETE', '/_fake/objects/customer/cus_posted');
    // Assess
    expect(stored).toEqual({ status: 200, body: { stored: 'cus_posted' } });
    expect(listed.data.map((customer) => customer.id)).toEqual(['cus_posted']);
    expect(deleted).toEqual({ status: 200, body: { deleted: 'cus_posted' } });
    expect(again.status).toBe(404);
    expect((await stripe.customers.list()).data).toEqual([]);
  });

  it.each([
    ['not JSON', 'id=cus_1', /must be one Stripe object as JSON/],
    ['an array', '[{"id":"cus_1","object":"customer"}]', /must be one Stripe object as JSON/],
    ['no id', '{"object":"customer"}', /id must be a Stripe id .*got nothing/],
    ['an id with a space', '{"id":"cus 1","object":"customer"}', /id must be a Stripe id/],
    ['no object', '{"id":"cus_1"}', /object must be one of customer, subscription, .*got nothing/],
    ['an object type it does not serve', '{"id":"pi_1","object":"payment_intent"}', /got "payment_intent"/],
    ['a subscription without its customer', '{"id":"sub_1","object":"subscription"}', /needs its customer's id/],
    [
      'a subscription with an expanded customer',
      '{"id":"sub_1","object":"subscription","customer":{"id":"cus_1"}}',
      /needs its customer's id as a string/,
    ],
    [
      'an entitlement without a customer',
      '{"id":"ent_1","object":"entitlements.active_entitlement","feature":"feat_1","lookup_key":"k"}',
      /needs a top-level "customer"/,
    ],
    [
      'an entitlement without a lookup_key',
      '{"id":"ent_1","object":"entitlements.active_entitlement","feature":"feat_1","customer":"cus_1"}',
      /needs its lookup_key/,
    ],
    ['a bad account', '{"id":"cus_1","object":"customer","account":"shop"}', /account, when given, must be .*acct_/],
    ['created in milliseconds as text', '{"id":"cus_1","object":"customer","created":"soon"}', /created must be Unix/],
  ])('refuses %s with a 400 saying what is wrong, storing nothing', async (_what, body, problem) => {
    // Act
    const answer = await control('POST', '/_fake/objects', body);
    // Assess
    expect(answer.status).toBe(400);
    expect(String((answer.body.error as { message: unknown }).message)).toMatch(problem);
    expect((await stripe.customers.list()).data).toEqual([]);
  });

  it('throws the same errors from setObject', () => {
    expect(() => fake.setObject({ id: 'sub_1', object: 'subscription' })).toThrow(InvalidFakeObjectError);
    expect(() => fake.setObject({ id: 'sub_1', object: 'subscription' })).toThrow(/needs its customer's id/);
    expect(fake.setObject({ id: 'sub_1', object: 'subscription', customer: 'cus_1' })).toBe('sub_1');
  });

  it('keeps a set object against an event created before it was set, and takes a later one', async () => {
    // Prepare: set at startSeconds (the fake's clock), then events from before and after.
    fake.setObject(example('customer', { id: 'cus_race', name: 'set by the test' }));
    const event = (id: string, created: number, name: string) => ({
      id,
      object: 'event',
      type: 'customer.updated',
      created,
      data: { object: example('customer', { id: 'cus_race', name }) },
    });
    // Act
    fake.observeEvent(event('evt_before', startSeconds - 1, 'from an older event'));
    const afterOlder = (await stripe.customers.retrieve('cus_race')) as Stripe.Customer;
    fake.observeEvent(event('evt_after', startSeconds + 1, 'from a newer event'));
    const afterNewer = (await stripe.customers.retrieve('cus_race')) as Stripe.Customer;
    clockMs = (startSeconds + 60) * 1000;
    fake.setObject(example('customer', { id: 'cus_race', name: 'set again' }));
    fake.observeEvent(event('evt_late', startSeconds + 30, 'from an event of before the second set'));
    const afterSecondSet = (await stripe.customers.retrieve('cus_race')) as Stripe.Customer;
    // Assess
    expect([afterOlder.name, afterNewer.name, afterSecondSet.name]).toEqual([
      'set by the test',
      'from a newer event',
      'set again',
    ]);
  });
});

describe('Connect accounts', () => {
  it("serves an account's objects only to requests with its Stripe-Account header, and records the header", async () => {
    // Prepare: one customer set for acct_1Shop, one learned from a Connect event, one on the platform.
    fake.setObject({
      ...example('customer', { id: 'cus_shop', created: startSeconds, name: 'Shop' }),
      account: 'acct_1Shop',
    });
    fake.observeEvent({
      id: 'evt_connect',
      object: 'event',
      type: 'customer.created',
      account: 'acct_1Shop',
      created: startSeconds - 5,
      data: { object: example('customer', { id: 'cus_shop_evt', created: startSeconds - 5 }) },
    });
    fake.setObject(example('customer', { id: 'cus_platform', created: startSeconds }));
    // Act
    const shopList = await stripe.customers.list({}, { stripeAccount: 'acct_1Shop' });
    const platformList = await stripe.customers.list();
    const asShop = (await stripe.customers.retrieve(
      'cus_shop',
      {},
      { stripeAccount: 'acct_1Shop' },
    )) as Stripe.Customer;
    const asPlatform = (await stripe.customers.retrieve('cus_shop')) as Stripe.Customer;
    // Assess
    expect(shopList.data.map((customer) => customer.id)).toEqual(['cus_shop', 'cus_shop_evt']);
    expect(platformList.data.map((customer) => customer.id)).toEqual(['cus_platform']);
    expect([asShop.name, asPlatform.name]).toEqual(['Shop', null]);
    expect(fake.requests()[0]).toEqual({
      method: 'GET',
      path: '/v1/customers',
      status: 200,
      stripeAccount: 'acct_1Shop',
    });
  });
});

describe('GET /_fake/requests', () => {
  it('records each list call with its query as the client sent it, expand[] included', async () => {
    // Act
    await stripe.customers.list({ limit: 100, starting_after: undefined });
    await stripe.customers.retrieve('cus_logged', {
      expand: ['invoice_settings.default_payment_method', 'default_source'],
    });
    await stripe.entitlements.activeEntitlements.list({ customer: 'cus_logged', limit: 100 });
    const overHttp = await fetch(`${fake.url}/_fake/requests`).then((response) => response.json());
    // Assess
    expect(overHttp).toEqual([
      { method: 'GET', path: '/v1/customers', status: 200, query: 'limit=100' },
      {
        method: 'GET',
        path: '/v1/customers/cus_logged',
        status: 200,
        query: 'expand[0]=invoice_settings.default_payment_method&expand[1]=default_source',
      },
      {
        method: 'GET',
        path: '/v1/entitlements/active_entitlements',
        status: 200,
        query: 'customer=cus_logged&limit=100',
      },
    ]);
  });

  it('reads expand[] sent with encoded brackets the same as stripe-node sends it', async () => {
    // Prepare
    fake.setObject(example('customer', { id: 'cus_enc', invoice_settings: { default_payment_method: 'pm_enc' } }));
    // Act
    const response = await fetch(
      `${fake.url}/v1/customers/cus_enc?expand%5B%5D=invoice_settings.default_payment_method`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    const body = (await response.json()) as { invoice_settings: { default_payment_method: { id: string } } };
    // Assess
    expect(body.invoice_settings.default_payment_method.id).toBe('pm_enc');
    expect(fake.requests()[0]?.query).toBe('expand%5B%5D=invoice_settings.default_payment_method');
  });
});
