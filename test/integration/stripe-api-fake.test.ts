/**
 * The real Stripe API client (stripe-node behind our rate limit, retries and cache) against the real fake
 * Stripe API on a free port: what the consumer gets locally and in `npm start` runs.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type Stripe from 'stripe';
import { envVarNames } from '../../config/contract';
import { createStripeAdminApi } from '../../functions/shared/stripe-api/admin';
import { createStripeApi } from '../../functions/shared/stripe-api/client';
import { stripeApiFromEnvironment } from '../../functions/shared/stripe-api/from-environment';
import {
  StripeApiError,
  StripeApiNotConfiguredError,
  StripeObjectNotFoundError,
} from '../../functions/shared/stripe-api/port';
import { buildThinEvent } from '../../tools/event-deliveries';
import { type FakeStripeApi, startFakeStripeApi } from '../../tools/fake-stripe/server';
import { buildStripeEvent } from '../../tools/stripe-events';
import { RecordingLogger } from '../../tools/testing/consumer-fakes';

const key = 'rk_test_integration_key';
let fake: FakeStripeApi;

beforeAll(async () => {
  fake = await startFakeStripeApi({ port: 0 });
});

afterAll(async () => {
  await fake.close();
});

/** A fresh client (and so a fresh cache) per test; retries fast so the file stays well under 5 s. */
function api(options: { apiKey?: string; maxRetries?: number } = {}) {
  return createStripeApi({
    apiKey: async () => options.apiKey ?? key,
    apiUrl: fake.url,
    retryBaseMs: 5,
    maxRetries: options.maxRetries ?? 3,
  });
}

const requestsFor = (path: string) => fake.requests().filter((request) => request.path === path);

describe('createStripeApi against the fake Stripe API', () => {
  it('returns a customer the fake observed in customer.created, as the event had it', async () => {
    // Prepare
    const created = buildStripeEvent('customer.created', { object: { preferred_locales: ['fr'] } });
    fake.observeEvent(created);
    // Act
    const customer = (await api().retrieveCustomer(created.data.object.id)) as Stripe.Customer;
    // Assess
    expect(customer.id).toBe(created.data.object.id);
    expect(customer.preferred_locales).toEqual(['fr']);
    expect(customer.email).toBe(created.data.object.email);
  });

  it('keeps the newer object when an older event arrives late', async () => {
    // Prepare
    const newer = buildStripeEvent('customer.created', {
      created: 2_000_000_000,
      object: { preferred_locales: ['de'] },
    });
    const older = buildStripeEvent('customer.created', {
      created: 1_900_000_000,
      object: { id: newer.data.object.id, preferred_locales: ['ja'] },
    });
    // Act
    fake.observeEvent(newer);
    fake.observeEvent(older);
    const customer = (await api().retrieveCustomer(newer.data.object.id)) as Stripe.Customer;
    // Assess
    expect(customer.preferred_locales).toEqual(['de']);
  });

  it("answers an unknown id with Stripe's example object carrying that id", async () => {
    // Act
    const customer = (await api().retrieveCustomer('cus_neverseen1')) as Stripe.Customer;
    const subscription = await api().retrieveSubscription('sub_neverseen1');
    // Assess
    expect(customer).toMatchObject({ id: 'cus_neverseen1', object: 'customer' });
    expect(customer.email).toMatch(/@example\.com$/);
    expect(subscription).toMatchObject({ id: 'sub_neverseen1', object: 'subscription' });
  });

  it('returns a deleted customer as Stripe does: a stub with deleted: true', async () => {
    // Prepare
    // tools/stripe-events.ts builds no customer.deleted; Stripe sends the customer's last state in one.
    const deleted = { ...buildStripeEvent('customer.created'), type: 'customer.deleted' };
    fake.observeEvent(deleted);
    // Act
    const customer = await api().retrieveCustomer(deleted.data.object.id);
    // Assess
    expect(customer).toEqual({ id: deleted.data.object.id, object: 'customer', deleted: true });
  });

  it('rejects a missing object with StripeObjectNotFoundError, asking once', async () => {
    // Act
    const failure = api().retrieveCustomer('cus_missing_one');
    // Assess
    await expect(failure).rejects.toBeInstanceOf(StripeObjectNotFoundError);
    await expect(failure).rejects.toThrow(/No such customer: 'cus_missing_one'/);
    expect(requestsFor('/v1/customers/cus_missing_one').map((request) => request.status)).toEqual([404]);
  });

  it('succeeds after a 429, retrying once', async () => {
    // Prepare
    const path = '/v1/customers/cus_ratelimited1';
    fake.injectFaults({ status: 429, count: 1, path });
    // Act
    const customer = await api().retrieveCustomer('cus_ratelimited1');
    // Assess
    expect(customer.id).toBe('cus_ratelimited1');
    expect(requestsFor(path).map((request) => request.status)).toEqual([429, 200]);
  });

  it('fails with StripeApiError after maxRetries + 1 answers of 500', async () => {
    // Prepare
    const path = '/v1/subscriptions/sub_outage1';
    fake.injectFaults({ status: 500, count: 3, path });
    // Act
    const failure = api({ maxRetries: 2 }).retrieveSubscription('sub_outage1');
    // Assess
    await expect(failure).rejects.toBeInstanceOf(StripeApiError);
    await expect(failure).rejects.toMatchObject({ status: 500, type: 'api_error' });
    expect(requestsFor(path).map((request) => request.status)).toEqual([500, 500, 500]);
  });

  it('passes on the 401 for a bad key, redacted as Stripe redacts it and not retried', async () => {
    // Prepare
    const badKey = 'rk_live_not_a_real_key_abcd';
    // Act
    const error = await api({ apiKey: badKey })
      .retrieveCustomer('cus_badkey1')
      .catch((caught: unknown) => caught);
    // Assess
    expect(error).toBeInstanceOf(StripeApiError);
    expect((error as StripeApiError).status).toBe(401);
    expect((error as Error).message).toContain('Invalid API Key provided: rk_live_****abcd');
    expect((error as Error).message).not.toContain(badKey);
    expect(requestsFor('/v1/customers/cus_badkey1')).toHaveLength(1);
  });

  it('makes no request at all without a key', async () => {
    // Act
    const failure = api({ apiKey: '' }).retrieveCustomer('cus_nokey1');
    // Assess
    await expect(failure).rejects.toBeInstanceOf(StripeApiNotConfiguredError);
    expect(requestsFor('/v1/customers/cus_nokey1')).toEqual([]);
  });

  it('serves 10 lookups of one customer with one request (the per-container cache)', async () => {
    // Prepare
    const client = api();
    // Act
    const customers = await Promise.all(Array.from({ length: 10 }, () => client.retrieveCustomer('cus_tenevents1')));
    await client.retrieveCustomer('cus_tenevents1');
    // Assess
    expect(new Set(customers.map((customer) => customer.id))).toEqual(new Set(['cus_tenevents1']));
    expect(requestsFor('/v1/customers/cus_tenevents1')).toHaveLength(1);
  });

  it('is what stripeApiFromEnvironment builds: key read once from the secret, calls to STRIPE_API_URL', async () => {
    // Prepare: Secrets Manager is the SDK's send, answered in-process (moto is not needed for this).
    const reads: string[] = [];
    const secretsManager = {
      send: async (command: unknown) => {
        if (!(command instanceof GetSecretValueCommand)) throw new Error('unexpected command');
        reads.push(command.input.SecretId ?? '');
        return { SecretString: key };
      },
    } as unknown as SecretsManagerClient;
    const stripe = stripeApiFromEnvironment(
      { [envVarNames.stripeApiKeySecretId]: 'stripe/api-key', [envVarNames.stripeApiUrl]: fake.url },
      { secretsManager, logger: new RecordingLogger() },
    );
    // Act
    const customer = await stripe.retrieveCustomer('cus_fromenv1');
    const subscription = await stripe.retrieveSubscription('sub_fromenv1');
    // Assess
    expect([customer.id, subscription.id]).toEqual(['cus_fromenv1', 'sub_fromenv1']);
    expect(reads).toEqual(['stripe/api-key']);
  });

  it('forgets objects, faults and the request log on reset()', async () => {
    // Prepare
    const created = buildStripeEvent('customer.created', { object: { preferred_locales: ['ja'] } });
    fake.observeEvent(created);
    fake.injectFaults({ status: 503, count: 5, path: '/v1/customers/' });
    // Act
    fake.reset();
    const customer = (await api({ maxRetries: 0 }).retrieveCustomer(created.data.object.id)) as Stripe.Customer;
    // Assess: the example object (no preferred_locales set), answered without a fault.
    expect(customer.preferred_locales).not.toEqual(['ja']);
    expect(customer.email).toBe(`${created.data.object.id.toLowerCase()}@example.com`);
    expect(fake.requests()).toEqual([{ method: 'GET', path: `/v1/customers/${created.data.object.id}`, status: 200 }]);
  });

  it('is steerable over HTTP: events, faults and the request log', async () => {
    // Prepare
    const created = buildStripeEvent('customer.created', { object: { preferred_locales: ['es'] } });
    const post = (path: string, body: unknown) =>
      fetch(`${fake.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    // Act
    const observed = await post('/_fake/events', created);
    const injected = await post('/_fake/faults', { status: 503, count: 1 });
    const refused = await post('/_fake/faults', { status: 404, count: 1 });
    const cleared = await fetch(`${fake.url}/_fake/faults`, { method: 'DELETE' });
    const customer = (await api({ maxRetries: 0 }).retrieveCustomer(created.data.object.id)) as Stripe.Customer;
    // `path` as documented, and `pathPrefix`, its older name.
    const byPath = await post('/_fake/faults', { status: 429, count: 1, path: '/v1/subscriptions/sub_http1' });
    const byPrefix = await post('/_fake/faults', { status: 500, count: 1, pathPrefix: '/v1/subscriptions/sub_http2' });
    const subscriptions = api({ maxRetries: 0 });
    const rateLimited = await subscriptions.retrieveSubscription('sub_http1').catch((error: unknown) => error);
    const failed = await subscriptions.retrieveSubscription('sub_http2').catch((error: unknown) => error);
    const log = (await (await fetch(`${fake.url}/_fake/requests`)).json()) as Array<{ path: string; status: number }>;
    // Assess
    expect([observed.status, injected.status, refused.status, cleared.status]).toEqual([200, 200, 400, 200]);
    expect([byPath.status, byPrefix.status]).toEqual([200, 200]);
    expect(customer.preferred_locales).toEqual(['es']);
    expect(rateLimited).toMatchObject({ status: 429, type: 'invalid_request_error', code: 'rate_limit' });
    expect(failed).toMatchObject({ status: 500, type: 'api_error' });
    expect(log.filter((request) => request.path === `/v1/customers/${created.data.object.id}`)).toEqual([
      { method: 'GET', path: `/v1/customers/${created.data.object.id}`, status: 200 },
    ]);
  });

  it("speaks Stripe's wire format: Bearer auth, Request-Id, Stripe-Version, JSON errors", async () => {
    // Act
    const unauthenticated = await fetch(`${fake.url}/v1/customers/cus_1`);
    const missing = await fetch(`${fake.url}/v1/charges/ch_missing1`, {
      headers: { authorization: `Bearer ${key}`, 'stripe-version': '2024-06-20' },
    });
    // Assess
    expect(unauthenticated.status).toBe(401);
    expect(((await unauthenticated.json()) as { error: { message: string } }).error.message).toMatch(/Bearer auth/);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('request-id')).toMatch(/^req_/);
    expect(missing.headers.get('stripe-version')).toBe('2024-06-20');
    expect(await missing.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'resource_missing', param: 'id' },
    });
  });
});

describe('the Events API, thin events, billing meters and webhook endpoints, through stripe-node', () => {
  beforeEach(() => fake.reset());

  it('serves GET /v1/events/:id and GET /v2/core/events/:id for events it was sent, and a billing meter', async () => {
    // Prepare
    const snapshot = buildStripeEvent('invoice.paid', {});
    const thin = buildThinEvent('v1.billing.meter.error_report_triggered', {
      relatedObject: { id: 'mtr_test_fake1', type: 'billing.meter', url: '/v1/billing/meters/mtr_test_fake1' },
    });
    fake.observeEvent(snapshot);
    fake.observeEvent(thin);
    const stripe = api();
    // Act
    const event = await stripe.retrieveEvent(snapshot.id);
    const full = await stripe.retrieveThinEvent(thin.id);
    const meter = (await stripe.retrieveRelatedObject('/v1/billing/meters/mtr_test_fake1')) as {
      id: string;
      object: string;
    };
    const missing = await stripe.retrieveThinEvent('evt_test_never_sent').catch((error: unknown) => error);
    // Assess
    expect(event).toMatchObject({ id: snapshot.id, type: 'invoice.paid', pending_webhooks: 0 });
    expect(full).toMatchObject({ id: thin.id, type: thin.type, data: { reason: { error_count: 1 } } });
    expect(meter).toMatchObject({ id: 'mtr_test_fake1', object: 'billing.meter' });
    expect(missing).toBeInstanceOf(StripeObjectNotFoundError);
  });

  it('records the Stripe-Account and Stripe-Context headers of each request', async () => {
    // Act
    const stripe = api();
    await stripe.retrieveCustomer('cus_connected1', { account: 'acct_test_connected1' });
    await stripe.retrieveRelatedObject('/v1/billing/meters/mtr_test_ctx1', { context: 'acct_test_context1' });
    await stripe.retrieveCustomer('cus_platform1');
    const overHttp = (await (await fetch(`${fake.url}/_fake/requests`)).json()) as unknown[];
    // Assess
    expect(fake.requests()).toEqual([
      { method: 'GET', path: '/v1/customers/cus_connected1', status: 200, stripeAccount: 'acct_test_connected1' },
      { method: 'GET', path: '/v1/billing/meters/mtr_test_ctx1', status: 200, stripeContext: 'acct_test_context1' },
      { method: 'GET', path: '/v1/customers/cus_platform1', status: 200 },
    ]);
    expect(overHttp).toEqual(fake.requests());
  });

  it('lists events in pages through the admin port, with the filters stripe-node encodes', async () => {
    // Prepare: 7 events, 3 of them not delivered
    const events = Array.from({ length: 7 }, () => buildStripeEvent('invoice.paid', {}));
    for (const [index, event] of events.entries()) fake.observeEvent(event, { delivered: index >= 3 });
    const admin = createStripeAdminApi({ apiKey: async () => key, apiUrl: fake.url, retryBaseMs: 5 });
    const window = { createdGte: Math.floor(Date.now() / 1000) - 60, createdLte: Math.floor(Date.now() / 1000) + 60 };
    // Act
    const first = await admin.listEvents({ ...window, limit: 5 });
    const second = await admin.listEvents({ ...window, limit: 5, startingAfter: first.data.at(-1)?.id });
    const undelivered = await admin.listEvents({ ...window, deliverySuccess: false, types: ['invoice.paid'] });
    // Assess
    expect([first.data.length, first.hasMore, second.data.length, second.hasMore]).toEqual([5, true, 2, false]);
    expect(new Set([...first.data, ...second.data].map((event) => event.id)).size).toBe(7);
    expect(undelivered.data.map((event) => event.id).sort()).toEqual(
      events
        .slice(0, 3)
        .map((event) => event.id)
        .sort(),
    );
    expect(fake.requests().at(-1)?.query).toMatch(/delivery_success=false/);
  });

  it('creates, updates, lists and deletes webhook endpoints; only create shows the secret', async () => {
    const admin = createStripeAdminApi({ apiKey: async () => key, apiUrl: fake.url, retryBaseMs: 5 });
    // Act
    const created = await admin.createWebhookEndpoint({
      url: 'https://example.com/webhook',
      enabledEvents: ['invoice.paid'],
      apiVersion: '2026-10-28.endive',
    });
    const updated = await admin.updateWebhookEndpoint(created.id, {
      enabledEvents: ['invoice.paid', 'charge.refunded'],
    });
    const listed = await admin.listWebhookEndpoints();
    await admin.deleteWebhookEndpoint(created.id);
    // Assess
    expect(created.secret).toMatch(/^whsec_fake_/);
    expect(updated).toMatchObject({
      enabled_events: ['invoice.paid', 'charge.refunded'],
      api_version: '2026-10-28.endive',
    });
    expect(updated.secret).toBeUndefined();
    expect(listed.map((endpoint) => [endpoint.id, endpoint.secret])).toEqual([[created.id, undefined]]);
    expect(await admin.listWebhookEndpoints()).toEqual([]);
  });
});
