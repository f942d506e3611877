import { formatStripeDate } from '../../functions/consumer/emails/templates';
import { buildStripeEvent, type SupportedEventType, testObjectId } from '../../tools/stripe-events';
import { localPipelineClient, sesMessagesTo } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { requireMotoEndpoint } from '../support/wait-for';

const signingSecret = 'whsec_catalogue_test_secret_not_real';
const endpoint = requireMotoEndpoint();
jest.setTimeout(60_000);

const { pipeline } = useTestPipeline({
  signingSecret,
  visibilityTimeoutSeconds: 1,
  resourceNameSuffix: 'catalogue',
});

const { post, eventWhen } = localPipelineClient(pipeline, signingSecret);

async function postAndProcess(event: { id: string }): Promise<void> {
  expect((await post(JSON.stringify(event))).status).toBe(200);
  await eventWhen(event.id, (e) => e.status === 'processed');
}

/** A customer Stripe knows, posted first as Stripe would send it. */
async function knownCustomer(email: string, preferredLocales: string[] = []): Promise<string> {
  const created = buildStripeEvent('customer.created', { email, object: { preferred_locales: preferredLocales } });
  expect((await post(JSON.stringify(created))).status).toBe(200);
  return created.data.object.id;
}

async function fakeStripe(path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${pipeline().stripeApiUrl}${path}`, init);
}

describe('the email catalogue through the real endpoint, on moto and the fake Stripe API', () => {
  const trialEnd = 1_796_000_000;
  const ended = 1_795_000_000;
  const cases: Array<[SupportedEventType, (email: string, customer: string) => object, RegExp[]]> = [
    ['invoice.paid', (email) => ({ customer_email: email }), [/\$20\.00/, /INV-0001/, /invoices\/in_test_/]],
    [
      'checkout.session.completed',
      (email) => ({ mode: 'payment', customer_details: { email } }),
      [/\$20\.00/, /Order confirmation/],
    ],
    ['invoice.payment_failed', (email) => ({ customer_email: email }), [/\$20\.00/, /invoices\/in_test_/]],
    ['invoice.payment_action_required', (email) => ({ customer_email: email }), [/\$20\.00/, /invoices\/in_test_/]],
    ['charge.refunded', (email) => ({ receipt_email: email }), [/\$20\.00/, /receipts\/ch_test_/]],
    [
      'customer.subscription.trial_will_end',
      (_email, customer) => ({ customer, trial_end: trialEnd }),
      [new RegExp(formatStripeDate(trialEnd, 'en')), /\$20\.00/],
    ],
    [
      'customer.subscription.deleted',
      (_email, customer) => ({ customer, ended_at: ended }),
      [new RegExp(formatStripeDate(ended, 'en'))],
    ],
  ];

  it.each(cases)('%s gives exactly one email with its key facts', async (type, object, facts) => {
    // Prepare: subscription events name only the customer, whom the fake Stripe API then answers with
    const email = `${type.replaceAll('.', '-')}@example.com`;
    const customer = await knownCustomer(email);
    const event = buildStripeEvent(type, { object: object(email, customer) } as never);
    // Act
    await postAndProcess(event);
    // Assess: read back from SES
    const sent = await sesMessagesTo(endpoint, email);
    expect(sent).toHaveLength(1);
    for (const fact of facts) expect(`${sent[0]?.subject}\n${sent[0]?.body}`).toMatch(fact);
  });

  it('writes to a customer created with preferred_locales fr in French', async () => {
    // Prepare
    const email = 'claire.dubois@example.com';
    const customer = await knownCustomer(email, ['fr']);
    const trialEnding = buildStripeEvent('customer.subscription.trial_will_end', { object: { customer } });
    // Act
    await postAndProcess(trialEnding);
    // Assess
    const sent = await sesMessagesTo(endpoint, email);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain('<html lang="fr">');
  });

  it('sends one email when the Stripe API answers 429 first, after a retry', async () => {
    // Prepare
    const email = 'rate.limited@example.com';
    const customer = await knownCustomer(email);
    const faults = await fakeStripe('/_fake/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 429, count: 1, pathPrefix: `/v1/customers/${customer}` }),
    });
    expect(faults.ok).toBe(true);
    const ended = buildStripeEvent('customer.subscription.deleted', { object: { customer } });
    // Act
    await postAndProcess(ended);
    // Assess
    expect(await sesMessagesTo(endpoint, email)).toHaveLength(1);
    const requests = (await (await fakeStripe('/_fake/requests')).json()) as Array<{ path: string; status: number }>;
    const lookups = requests.filter((request) => request.path.startsWith(`/v1/customers/${customer}`));
    expect(lookups.map((request) => request.status)).toEqual([429, 200]);
  });

  it('acknowledges invoice.upcoming without queueing it: the renewal reminder is off by default', async () => {
    // Prepare
    const email = 'no.reminder@example.com';
    const upcoming = buildStripeEvent('invoice.upcoming', {
      object: { customer_email: email, id: testObjectId('in') },
    });
    // Act
    const response = await post(JSON.stringify(upcoming));
    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/ignored/);
    expect(await sesMessagesTo(endpoint, email)).toEqual([]);
  });
});
