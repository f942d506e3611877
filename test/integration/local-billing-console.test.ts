/** The billing state in the local pipeline: the delayed sync after an event, and the console's `/_local/customers` JSON. */
import type { BillingState } from '../../functions/billing-state/billing-state';
import { buildStripeEvent } from '../../tools/stripe-events';
import { setInStripe as setStripeObject } from '../support/fake-stripe-control';
import { localPipelineClient } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { waitFor } from '../support/wait-for';

jest.setTimeout(60_000);
const signingSecret = 'whsec_billing_console_test_secret_not_real';

const { pipeline, printed } = useTestPipeline({
  signingSecret,
  resourceNameSuffix: 'billing-console',
  billingState: true,
  billingSyncDelaySeconds: 1,
});
const { post } = localPipelineClient(pipeline, signingSecret);

const setInStripe = (object: Record<string, unknown>) => setStripeObject(pipeline().stripeApiUrl, object);

function syncNow(path: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  return fetch(`${pipeline().url}/_local/customers/${path}`, { method: 'POST', headers, body: '{}' });
}

async function json<T>(response: Response | Promise<Response>): Promise<{ status: number; body: T }> {
  const answer = await response;
  return { status: answer.status, body: (await answer.json()) as T };
}

describe('the billing state in the local pipeline', () => {
  it('queues the billing types, and syncs the customer of an event from the fake Stripe API after the delay', async () => {
    // Prepare
    await setInStripe({ id: 'cus_billing_queue', object: 'customer', email: 'queue@example.com', created: 1 });
    const event = buildStripeEvent('customer.updated', {
      email: 'queue@example.com',
      object: { id: 'cus_billing_queue' },
    });

    // Act
    const response = await post(JSON.stringify(event, null, 2));

    // Assess: the sync function stored it, named the event, and said so in the terminal
    expect(response.status).toBe(200);
    expect(pipeline().subscribedTypes.split(',')).toEqual(
      expect.arrayContaining(['customer.subscription.updated', 'entitlements.active_entitlement_summary.updated']),
    );
    const stored = await waitFor('the synced state', async () => {
      const answer = await fetch(`${pipeline().url}/_local/customers/cus_billing_queue`);
      return answer.ok ? ((await answer.json()) as BillingState) : undefined;
    });
    expect(stored).toMatchObject({ email: 'queue@example.com', access: false, sourceEventId: event.id });
    expect(printed.join('\n')).toContain(`↻ billing sync cus_billing_queue [${event.id}]: synced (access no,`);
  });

  it('answers a customer never synced with 404 and what to do, and a bad id with 400', async () => {
    const unknown = await json<{ error: { code: string; message: string } }>(
      fetch(`${pipeline().url}/_local/customers/cus_billing_never`),
    );
    const bad = await json<{ error: { code: string } }>(fetch(`${pipeline().url}/_local/customers/not%20an%20id`));

    expect(unknown).toEqual({
      status: 404,
      body: { error: { code: 'not_synced', message: expect.stringContaining('cus_billing_never is not synced yet') } },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_customer' } } });
  });

  it('syncs a customer now, of a connected account too, and lists it, the latest synced first', async () => {
    // Prepare
    await setInStripe({ id: 'cus_billing_now', object: 'customer', email: 'now@example.com', created: 1 });
    await setInStripe({
      id: 'cus_billing_connect',
      object: 'customer',
      account: 'acct_1BillingConsole',
      email: 'connect@example.com',
      created: 1,
    });

    // Act
    const refused = await syncNow('cus_billing_now/sync', { 'content-type': 'text/plain' });
    const synced = await json<{ status: string; state: BillingState }>(syncNow('cus_billing_now/sync'));
    const connected = await json<{ status: string; state: BillingState }>(
      syncNow('cus_billing_connect/sync?account=acct_1BillingConsole'),
    );
    const list = await json<BillingState[]>(fetch(`${pipeline().url}/_local/customers`));
    const one = await json<BillingState>(
      fetch(`${pipeline().url}/_local/customers/cus_billing_connect?account=acct_1BillingConsole`),
    );

    // Assess
    expect(refused.status).toBe(415);
    expect(synced).toMatchObject({ status: 200, body: { status: 'synced', state: { email: 'now@example.com' } } });
    expect(synced.body.state).toMatchObject({ access: false, deleted: false, sourceEventId: null });
    expect(connected.body.state).toMatchObject({ account: 'acct_1BillingConsole', email: 'connect@example.com' });
    expect(list.body.slice(0, 2).map((state) => state.customerId)).toEqual(['cus_billing_connect', 'cus_billing_now']);
    expect(one.body.email).toBe('connect@example.com');
  });

  it('answers 502 with what Stripe said when its API fails, and stores nothing', async () => {
    // Prepare: every call fails, beyond the client's retries
    await fetch(`${pipeline().stripeApiUrl}/_fake/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 500, count: 10, path: '/v1/customers/cus_billing_down' }),
    });

    // Act
    const failed = await json<{ error: { code: string; message: string } }>(syncNow('cus_billing_down/sync'));
    await fetch(`${pipeline().stripeApiUrl}/_fake/faults`, { method: 'DELETE' });

    // Assess
    expect(failed).toMatchObject({
      status: 502,
      body: { error: { code: 'stripe_api_error', message: expect.stringContaining("Stripe's API answered 500") } },
    });
    expect((await fetch(`${pipeline().url}/_local/customers/cus_billing_down`)).status).toBe(404);
  });
});
