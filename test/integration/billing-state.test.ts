/**
 * The billing state end to end on the local pipeline: signed events in, the real consumer and sync
 * function on moto, the fake Stripe API as the truth. Out-of-order delivery, the webhook's 10-item
 * entitlement list, a checkout's burst within the call budget, old events, deletion, Connect, and the
 * example app's own API Lambda reading the result.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { BillingState } from '../../functions/billing-state/billing-state';
import { createBillingSyncHandler } from '../../functions/billing-state/sync-handler';
import { defaultSyncDelaySeconds } from '../../functions/billing-state/sync-queue';
import { lambdaContext } from '../../tools/local/lambda-shapes';
import { localStripeApiKey } from '../../tools/local/stripe-api';
import { buildStripeEvent } from '../../tools/stripe-events';
import { setInStripe as setStripeObject } from '../support/fake-stripe-control';
import { localPipelineClient } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { waitFor } from '../support/wait-for';

jest.setTimeout(90_000);
const signingSecret = 'whsec_billing_state_test_secret_not_real';

// The default sync delay (5 s): the burst test measures the budget the deployed pipeline has.
const { pipeline, printed } = useTestPipeline({
  signingSecret,
  resourceNameSuffix: 'billing-state',
  billingState: true,
});
const { post, eventWhen } = localPipelineClient(pipeline, signingSecret);
/** A sync request waits this long on the queue: an assertion that no sync ran must wait longer. */
const pastTheSyncDelayMs = (defaultSyncDelaySeconds + 1) * 1000;

interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: string;
  readonly stripeAccount?: string;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function fake(path: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(`${pipeline().stripeApiUrl}${path}`, init);
  expect(response.ok).toBe(true);
  return response.json();
}

/** Sets Stripe's truth: what its API answers from now on (an event created earlier never replaces it). */
const setInStripe = (object: Record<string, unknown>) => setStripeObject(pipeline().stripeApiUrl, object);

async function requestsFor(customerId: string): Promise<RecordedRequest[]> {
  const all = (await fake('/_fake/requests')) as RecordedRequest[];
  return all.filter((request) => request.path.includes(customerId) || (request.query ?? '').includes(customerId));
}

const subscriptionListsFor = async (customerId: string) =>
  (await requestsFor(customerId)).filter((request) => request.path === '/v1/subscriptions');

function subscription(id: string, customer: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    object: 'subscription',
    customer,
    status,
    created: nowSeconds() - 60,
    cancel_at_period_end: false,
    items: {
      object: 'list',
      data: [
        {
          id: `si_${id}`,
          object: 'subscription_item',
          quantity: 3,
          current_period_end: nowSeconds() + 30 * 86_400,
          price: { id: 'price_pro', object: 'price', lookup_key: 'pro_monthly', product: 'prod_pro' },
        },
      ],
    },
    ...extra,
  };
}

const entitlement = (index: number, customer: string) => ({
  id: `ent_${customer}_${index}`,
  object: 'entitlements.active_entitlement',
  feature: `feat_${index}`,
  livemode: false,
  lookup_key: `feature_${index}`,
  customer,
});

async function stateOf(customerId: string, account?: string): Promise<BillingState | undefined> {
  const query = account === undefined ? '' : `?account=${account}`;
  const response = await fetch(`${pipeline().url}/_local/customers/${customerId}${query}`);
  return response.ok ? ((await response.json()) as BillingState) : undefined;
}

/** Waits for a state synced from (or after) the given event. */
const syncedState = (customerId: string, done: (state: BillingState) => boolean, account?: string) =>
  waitFor(
    `the billing state of ${customerId}`,
    async () => {
      const state = await stateOf(customerId, account);
      return state !== undefined && done(state) ? state : undefined;
    },
    30_000,
  );

async function postEvent(event: object): Promise<void> {
  const response = await post(JSON.stringify(event));
  expect(response.status).toBe(200);
}

describe('billing state, on the local pipeline', () => {
  it('stores what the API says, not an out-of-order payload: payload incomplete, API active → active', async () => {
    // Prepare: the truth now, and the subscription's events as Stripe may deliver them: updated before created.
    const customer = 'cus_billing_order';
    await setInStripe({ id: customer, object: 'customer', email: 'order@example.com', name: 'Ada', created: 1 });
    await setInStripe(subscription('sub_order', customer, 'active'));
    const created = nowSeconds() - 30;
    const updated = buildStripeEvent('customer.subscription.updated', {
      created,
      object: { id: 'sub_order', customer, status: 'incomplete' },
    });
    const first = buildStripeEvent('customer.subscription.created', {
      created: created - 1,
      object: { id: 'sub_order', customer, status: 'incomplete' },
    });
    // Act
    await postEvent(updated);
    await postEvent(first);
    // Assess
    const state = await syncedState(customer, (candidate) => candidate.subscriptions.length > 0);
    expect(state).toMatchObject({
      customerId: customer,
      account: null,
      email: 'order@example.com',
      name: 'Ada',
      deleted: false,
      access: true,
      subscriptions: [
        {
          id: 'sub_order',
          status: 'active',
          cancelAtPeriodEnd: false,
          items: [{ priceId: 'price_pro', lookupKey: 'pro_monthly', productId: 'prod_pro', quantity: 3 }],
        },
      ],
    });
    expect([updated.id, first.id]).toContain(state.sourceEventId);
  });

  it('stores all 12 active entitlements when the webhook lists only 10', async () => {
    // Prepare
    const customer = 'cus_billing_twelve';
    await setInStripe({ id: customer, object: 'customer', created: 1 });
    for (let index = 1; index <= 12; index += 1) await setInStripe(entitlement(index, customer));
    const summary = buildStripeEvent('entitlements.active_entitlement_summary.updated', { created: nowSeconds() - 10 });
    const body = summary.data.object;
    const event = {
      ...summary,
      data: {
        object: {
          ...body,
          customer,
          entitlements: {
            ...body.entitlements,
            data: Array.from({ length: 10 }, (_, i) => entitlement(i + 1, customer)),
            has_more: true,
          },
        },
      },
    };
    // Act
    await postEvent(event);
    // Assess
    const state = await syncedState(customer, (candidate) => candidate.sourceEventId === event.id);
    expect(state.entitlements.map((item) => item.lookupKey).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `feature_${i + 1}`).sort(),
    );
    expect(state.entitlements).toContainEqual({ featureId: 'feat_12', lookupKey: 'feature_12' });
  });

  it('costs at most 3 subscription-list calls for a checkout burst, none for old events, and ends equal to the API', async () => {
    // Prepare: the 12 events of one subscription checkout, created over 3 seconds, delivered shuffled.
    const customer = 'cus_billing_burst';
    await setInStripe({ id: customer, object: 'customer', email: 'burst@example.com', created: 1 });
    await setInStripe(subscription('sub_burst', customer, 'active'));
    await setInStripe(entitlement(1, customer));
    const start = nowSeconds() - 2;
    const object = { customer };
    const burst = [
      buildStripeEvent('customer.created', { created: start, object: { id: customer } }),
      buildStripeEvent('customer.updated', { created: start, object: { id: customer } }),
      buildStripeEvent('checkout.session.completed', { created: start + 1, object }),
      buildStripeEvent('customer.subscription.created', { created: start + 1, object: { ...object, id: 'sub_burst' } }),
      buildStripeEvent('customer.subscription.updated', { created: start + 1, object: { ...object, id: 'sub_burst' } }),
      buildStripeEvent('invoice.paid', { created: start + 2, object }),
      buildStripeEvent('invoice.payment_succeeded', { created: start + 2, object }),
      buildStripeEvent('payment_intent.succeeded', { created: start + 2, object }),
      buildStripeEvent('entitlements.active_entitlement_summary.updated', { created: start + 2, object }),
    ];
    const shuffled = [burst[3], burst[0], burst[5], burst[1], burst[8], burst[2], burst[6], burst[4], burst[7]];
    // Act
    await Promise.all(shuffled.map((event) => postEvent(event as object)));
    const synced = await syncedState(customer, (state) => state.subscriptions.length === 1);
    // Every sync request of the burst has run once its delay is over (5 s after its event).
    await waitFor(
      'the burst’s sync requests',
      async () =>
        printed.filter((line) => line.includes(`↻ billing sync ${customer}`)).length >= 8 ? true : undefined,
      30_000,
    );
    const burstLists = (await subscriptionListsFor(customer)).length;
    // Old events (an hour ago, new ids: a replay from the Events API) after the sync.
    for (const type of ['customer.updated', 'invoice.paid'] as const) {
      await postEvent(
        buildStripeEvent(type, {
          created: nowSeconds() - 3600,
          object: type === 'customer.updated' ? { id: customer } : object,
        }),
      );
    }
    // Past the sync delay: a sync those old events wrongly queued would have listed by then.
    await new Promise((resolve) => setTimeout(resolve, pastTheSyncDelayMs));
    // Assess
    expect(burstLists).toBeGreaterThanOrEqual(1);
    expect(burstLists).toBeLessThanOrEqual(3);
    expect((await subscriptionListsFor(customer)).length).toBe(burstLists);
    const truth = (await fake(`/v1/subscriptions?customer=${customer}&status=all`, {
      headers: { authorization: `Bearer ${localStripeApiKey}` },
    })) as { data: Array<{ id: string; status: string }> };
    const latest = await stateOf(customer);
    expect(latest?.subscriptions.map((item) => [item.id, item.status])).toEqual(
      truth.data.map((item) => [item.id, item.status]),
    );
    const entitlements = (await fake(`/v1/entitlements/active_entitlements?customer=${customer}&limit=100`, {
      headers: { authorization: `Bearer ${localStripeApiKey}` },
    })) as { data: Array<{ feature: string; lookup_key: string }> };
    expect(latest?.entitlements).toEqual(
      entitlements.data.map((item) => ({ featureId: item.feature, lookupKey: item.lookup_key })),
    );
    expect(synced.access).toBe(true);
  });

  it('stores a deleted customer as deleted, with no access', async () => {
    // Prepare
    const customer = 'cus_billing_deleted';
    await setInStripe({ id: customer, object: 'customer', email: 'gone@example.com', created: 1 });
    await setInStripe(subscription('sub_deleted', customer, 'active'));
    // Act: Stripe deletes the customer (its API then answers the deleted stub), and sends customer.deleted.
    await setInStripe({ id: customer, object: 'customer', deleted: true });
    await postEvent(buildStripeEvent('customer.deleted', { created: nowSeconds() - 5, object: { id: customer } }));
    // Assess
    const state = await syncedState(customer, (candidate) => candidate.deleted);
    expect(state).toMatchObject({ deleted: true, access: false, email: null, subscriptions: [], entitlements: [] });
  });

  it('keys a connected account’s customer by the account, and asks Stripe as that account', async () => {
    // Prepare
    const customer = 'cus_billing_connect';
    const account = 'acct_1BillingStateTest';
    await setInStripe({ id: customer, object: 'customer', email: 'seller-customer@example.com', created: 1, account });
    await setInStripe({ ...subscription('sub_connect', customer, 'trialing'), account });
    const event = {
      ...buildStripeEvent('invoice.paid', { created: nowSeconds() - 10, object: { customer } }),
      account,
    };
    // Act
    await postEvent(event);
    // Assess
    const state = await syncedState(customer, (candidate) => candidate.subscriptions.length === 1, account);
    expect(state).toMatchObject({ account, access: true, subscriptions: [{ id: 'sub_connect', status: 'trialing' }] });
    expect(await stateOf(customer)).toBeUndefined();
    const calls = await requestsFor(customer);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.every((call) => call.stripeAccount === account)).toBe(true);
  });

  it('stores a customer Stripe does not know as deleted, and rides out a 429 mid-sync', async () => {
    // Prepare: Stripe answers 404 for the first customer; one 429 on the second's entitlement list.
    const unknown = 'cus_missing_billing';
    const throttled = 'cus_billing_throttled';
    await setInStripe({ id: throttled, object: 'customer', created: 1 });
    await setInStripe(entitlement(1, throttled));
    await fake('/_fake/faults', {
      method: 'POST',
      body: JSON.stringify({ status: 429, count: 1, path: '/v1/entitlements/active_entitlements' }),
    });
    // Act
    await postEvent(buildStripeEvent('invoice.paid', { created: nowSeconds() - 10, object: { customer: unknown } }));
    await postEvent(buildStripeEvent('invoice.paid', { created: nowSeconds() - 10, object: { customer: throttled } }));
    // Assess
    expect(await syncedState(unknown, (state) => state.deleted)).toMatchObject({ deleted: true, access: false });
    const state = await syncedState(throttled, (candidate) => candidate.entitlements.length === 1);
    expect(state.entitlements).toEqual([{ featureId: 'feat_1', lookupKey: 'feature_1' }]);
    const lists = (await requestsFor(throttled)).filter((call) => call.path === '/v1/entitlements/active_entitlements');
    expect(lists.map((call) => (call as RecordedRequest & { status: number }).status)).toEqual([429, 200]);
  });

  it('acknowledges an event that names no customer without a sync', async () => {
    // Prepare: a guest Checkout (customer: null)
    const event = buildStripeEvent('checkout.session.completed', { object: { customer: null } });
    const before = ((await fake('/_fake/requests')) as RecordedRequest[]).length;
    // Act
    await postEvent(event);
    // Assess
    await eventWhen(event.id, (candidate) => candidate.status === 'processed');
    // Past the sync delay: a sync the event wrongly queued would have listed by then.
    await new Promise((resolve) => setTimeout(resolve, pastTheSyncDelayMs));
    const after = (await fake('/_fake/requests')) as RecordedRequest[];
    expect(after.slice(before).filter((request) => request.path.startsWith('/v1/subscriptions'))).toEqual([]);
  });

  it('retries a sync request while the table is unavailable, losing nothing', async () => {
    // Prepare: the real sync function with a table that does not exist (yet)
    const handler = createBillingSyncHandler({ ...process.env, BILLING_STATE_TABLE_NAME: 'billing-state-not-there' });
    const body = JSON.stringify({ customerId: 'cus_billing_order', account: null, eventId: 'evt_table_down' });
    const record = {
      messageId: 'msg-table-down',
      receiptHandle: 'handle',
      body,
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:billing-sync',
      awsRegion: 'us-east-1',
    };
    // Act
    const response = await handler({ Records: [record as never] }, lambdaContext('billing-sync', 60));
    // Assess: reported as failed, so SQS delivers it again (and to the DLQ after maxReceiveCount)
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-table-down' }]);
  });

  it('is what the example app’s API Lambda answers, and its "sync now" fetches the API', async () => {
    // Prepare: the example's handler, configured as the example app configures it
    const customer = 'cus_billing_order';
    process.env.BILLING_STATE_TABLE_NAME = pipeline().resources.billingState?.tableName ?? '';
    process.env.STRIPE_API_KEY_SECRET_ID = process.env.STRIPE_API_KEY_SECRET_ID ?? '';
    const { handler } = await import('../../examples/custom-handlers/billing-api');
    const request = (method: string, rawPath: string) =>
      ({ rawPath, requestContext: { http: { method } } }) as unknown as APIGatewayProxyEventV2;
    // Act
    const read = await handler(request('GET', `/billing/${customer}`));
    await setInStripe(subscription('sub_order', customer, 'canceled'));
    const synced = await handler(request('POST', `/billing/${customer}/sync`));
    const unknown = await handler(request('GET', '/billing/cus_billing_nobody'));
    // Assess
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(String(read.body))).toMatchObject({ customerId: customer, access: true, plans: ['pro_monthly'] });
    expect(JSON.parse(String(synced.body))).toMatchObject({ access: false });
    expect(unknown.statusCode).toBe(404);
  });
});
