/**
 * Every way Stripe delivers an event: thin (v2) events through the receiver and the consumer, the
 * EventBridge envelope, Connect accounts and API versions. Payloads are built and signed here.
 */
import Stripe from 'stripe';
import { resolveConnectedAccountEmails } from '../../config/email-settings';
import { declaredStripeApiVersion } from '../../config/stripe-api-version';
import { createApiVersionCheck } from '../../functions/consumer/api-version-check';
import {
  type ConsumerDependencies,
  consumeEvent,
  type HandlerContext,
  MalformedMessageError,
} from '../../functions/consumer/consume-event';
import { buildRegistry, defineSubscriptions } from '../../functions/consumer/define-subscriptions';
import { builtInEmails } from '../../functions/consumer/emails/built-in-emails';
import { EventRegistry } from '../../functions/consumer/event-registry';
import { NotAThinEventError } from '../../functions/consumer/handler-context';
import { type QueuedEvent, receiveWebhook } from '../../functions/receiver/receive-webhook';
import type { StripeApi, StripeRequestScope } from '../../functions/shared/stripe-api/port';
import { buildThinEvent, eventBridgeEnvelope } from '../../tools/event-deliveries';
import { buildStripeEvent } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

const secret = 'whsec_test_secret_for_unit_tests_only';
const now = new Date('2026-12-03T10:00:00Z');
const meterErrorType = 'v1.billing.meter.error_report_triggered';

function signed(body: string, signingSecret = secret) {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: signingSecret, timestamp });
  return { method: 'POST', headers: { 'stripe-signature': signature }, body: Buffer.from(body), requestId: 'req-1' };
}

function receiver(subscribed: readonly string[]) {
  const queued: QueuedEvent[] = [];
  const deps = {
    signingSecrets: async () => [secret],
    enqueue: async (event: QueuedEvent) => {
      queued.push(event);
    },
    isSubscribed: (type: string) => subscribed.includes(type),
    now: () => now,
    toleranceSeconds: 300,
    logger: new RecordingLogger(),
  };
  return { deps, queued };
}

describe('the receiver and thin events', () => {
  it('queues a validly signed thin event of a subscribed type, marked thin', async () => {
    // Prepare
    const body = JSON.stringify(buildThinEvent(meterErrorType, { id: 'evt_test_thin1' }));
    const { deps, queued } = receiver([meterErrorType]);
    // Act
    const response = await receiveWebhook(signed(body), deps);
    // Assess
    expect(response).toEqual({ statusCode: 200, body: { received: true, id: 'evt_test_thin1' } });
    expect(queued).toEqual([expect.objectContaining({ body, eventType: meterErrorType, payload: 'thin' })]);
  });

  it('acknowledges a thin event no handler subscribes to, without queuing it (never a 4xx)', async () => {
    // Prepare
    const body = JSON.stringify(buildThinEvent('v2.core.event_destination.ping', { relatedObject: null }));
    const { deps, queued } = receiver([meterErrorType]);
    // Act
    const response = await receiveWebhook(signed(body), deps);
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatchObject({ received: true, ignored: true });
    expect(queued).toEqual([]);
  });

  it('refuses a tampered thin event with signature_mismatch and queues nothing', async () => {
    // Prepare
    const original = JSON.stringify(buildThinEvent(meterErrorType));
    const request = signed(original);
    const tampered = { ...request, body: Buffer.from(original.replace('"livemode":false', '"livemode":true')) };
    const { deps, queued } = receiver([meterErrorType]);
    // Act
    const response = await receiveWebhook(tampered, deps);
    // Assess
    expect(response).toMatchObject({ statusCode: 400, body: { error: { code: 'signature_mismatch' } } });
    expect(queued).toEqual([]);
  });

  it('accepts an event signed with the Connect endpoint secret stored beside the account endpoint one', async () => {
    // Prepare
    const connectSecret = 'whsec_test_connect_endpoint_secret';
    const body = JSON.stringify({ ...buildStripeEvent('invoice.paid'), account: 'acct_1Connected' });
    const { deps, queued } = receiver(['invoice.paid']);
    // Act
    const response = await receiveWebhook(signed(body, connectSecret), {
      ...deps,
      signingSecrets: async () => [secret, connectSecret],
    });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(queued).toHaveLength(1);
  });

  it('still refuses JSON of neither shape with not_a_stripe_event', async () => {
    // Prepare
    const body = JSON.stringify({ id: 'evt_test_x', object: 'v2.core.event_destination', type: 'x' });
    const { deps } = receiver(['x']);
    // Act
    const response = await receiveWebhook(signed(body), deps);
    // Assess
    expect(response).toMatchObject({ statusCode: 400, body: { error: { code: 'not_a_stripe_event' } } });
  });
});

/** A Stripe API that records each call with its scope, and answers from `objects`. */
function recordingStripe(objects: Record<string, unknown> = {}) {
  const calls: { method: string; target: string; scope: StripeRequestScope | undefined }[] = [];
  const answer = (method: string) => async (target: string, scope?: StripeRequestScope) => {
    calls.push({ method, target, scope });
    return objects[target] as never;
  };
  const api: StripeApi = {
    retrieveCustomer: answer('retrieveCustomer'),
    retrieveSubscription: answer('retrieveSubscription'),
    retrieveEvent: answer('retrieveEvent'),
    retrieveThinEvent: answer('retrieveThinEvent'),
    retrieveRelatedObject: answer('retrieveRelatedObject'),
    retrieveDispute: answer('retrieveDispute'),
    retrieveCharge: answer('retrieveCharge'),
  };
  return { api, calls };
}

function consumer(registry: EventRegistry<HandlerContext>, overrides: Partial<ConsumerDependencies> = {}) {
  const store = new InMemoryIdempotencyStore();
  const mailer = new RecordingMailer();
  const logger = new RecordingLogger();
  const counts: string[] = [];
  const deps: ConsumerDependencies = {
    registry,
    store,
    mailer,
    logger,
    now: () => now,
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    metrics: { count: (name) => counts.push(name) },
    ...overrides,
  };
  return { deps, store, mailer, logger, counts };
}

describe('the consumer and thin events', () => {
  it("gives a thin event's handler the notification, and fetches its related object as the event's context", async () => {
    // Prepare
    const thin = buildThinEvent(meterErrorType, { context: 'acct_1Connected' });
    const url = (thin.related_object as { url: string }).url;
    const meter = { id: 'mtr_test_1', object: 'billing.meter', display_name: 'API calls' };
    const stripe = recordingStripe({ [url]: meter, [thin.id as string]: { ...thin, data: { reason: {} } } });
    const seen: unknown[] = [];
    const registry = new EventRegistry<HandlerContext>().on(meterErrorType, async (event, ctx) => {
      const fetched = await ctx.fetchRelatedObject();
      const full = await ctx.fetchEvent();
      seen.push(event.related_object.id, fetched.display_name, full.data.reason, ctx.payload, ctx.account);
    });
    const { deps } = consumer(registry, { stripe: stripe.api });
    // Act
    const outcome = await consumeEvent(JSON.stringify(thin), deps);
    // Assess
    expect(outcome).toMatchObject({ status: 'processed', payload: 'thin', account: 'acct_1Connected' });
    expect(seen).toEqual([(thin.related_object as { id: string }).id, 'API calls', {}, 'thin', 'acct_1Connected']);
    expect(stripe.calls).toEqual([
      { method: 'retrieveRelatedObject', target: url, scope: { context: 'acct_1Connected', eventId: thin.id } },
      { method: 'retrieveThinEvent', target: thin.id, scope: { context: 'acct_1Connected', eventId: thin.id } },
    ]);
  });

  it('resolves fetchRelatedObject to null for a thin event without one, and refuses it for a snapshot', async () => {
    // Prepare
    const results: unknown[] = [];
    const registry = new EventRegistry<HandlerContext>()
      .on('v2.core.event_destination.ping', async (_event, ctx) => {
        results.push(await ctx.fetchRelatedObject());
      })
      .on('invoice.paid', async (_event, ctx) => {
        results.push(await ctx.fetchRelatedObject().catch((error: unknown) => error));
      });
    const { deps } = consumer(registry, { stripe: recordingStripe().api });
    // Act
    await consumeEvent(JSON.stringify(buildThinEvent('v2.core.event_destination.ping', { relatedObject: null })), deps);
    await consumeEvent(JSON.stringify(buildStripeEvent('invoice.paid')), deps);
    // Assess
    expect(results[0]).toBeNull();
    expect(results[1]).toBeInstanceOf(NotAThinEventError);
  });

  it('lists thin types among the subscribed types, so the receiver queues them', () => {
    // Prepare
    const subscriptions = defineSubscriptions((on) => {
      on(meterErrorType, async () => undefined);
      on('v1.billing.', async () => undefined);
    });
    // Act
    const types = buildRegistry(subscriptions).subscriptions();
    // Assess
    expect(types).toEqual([meterErrorType, 'v1.billing.*']);
  });
});

describe('the consumer and EventBridge', () => {
  const receiptRegistry = () => buildRegistry(builtInEmails());

  it('handles the Stripe event inside an EventBridge envelope: one receipt', async () => {
    // Prepare
    const event = buildStripeEvent('invoice.paid');
    const { deps, mailer } = consumer(receiptRegistry());
    // Act
    const outcome = await consumeEvent(JSON.stringify(eventBridgeEnvelope(event)), deps);
    // Assess
    expect(outcome).toMatchObject({ status: 'processed', eventId: event.id, delivery: 'eventbridge' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('gives the same event by webhook and by EventBridge its effects once, whichever comes first', async () => {
    // Prepare
    const event = buildStripeEvent('invoice.paid');
    const { deps, mailer } = consumer(receiptRegistry());
    // Act
    const viaEventBridge = await consumeEvent(JSON.stringify(eventBridgeEnvelope(event)), deps);
    const viaWebhook = await consumeEvent(JSON.stringify({ ...event, pending_webhooks: 0 }), deps);
    // Assess
    expect([viaEventBridge.status, viaWebhook.status]).toEqual(['processed', 'duplicate']);
    expect(viaWebhook).toMatchObject({ payloadMismatch: false });
    expect(mailer.sent).toHaveLength(1);
  });

  it('handles a thin event inside an EventBridge envelope', async () => {
    // Prepare
    const seen: string[] = [];
    const registry = new EventRegistry<HandlerContext>().on(meterErrorType, async (event, ctx) => {
      seen.push(`${event.id}:${ctx.payload}:${ctx.delivery}`);
    });
    const thin = buildThinEvent(meterErrorType);
    const { deps } = consumer(registry);
    // Act
    await consumeEvent(JSON.stringify(eventBridgeEnvelope(thin)), deps);
    // Assess
    expect(seen).toEqual([`${thin.id}:thin:eventbridge`]);
  });

  it.each([
    ['another source', { source: 'aws.partner/example.com/x' }, /not from a Stripe partner event source/],
    ['a detail-type other than the type', { 'detail-type': 'invoice.voided' }, /detail-type "invoice.voided"/],
  ])('refuses an envelope from %s with a message saying what is wrong', async (_what, change, says) => {
    // Prepare
    const envelope = { ...eventBridgeEnvelope(buildStripeEvent('invoice.paid')), ...change };
    const { deps, mailer } = consumer(receiptRegistry());
    // Act
    const result = consumeEvent(JSON.stringify(envelope), deps);
    // Assess
    await expect(result).rejects.toThrow(MalformedMessageError);
    await expect(result).rejects.toThrow(says);
    expect(mailer.sent).toEqual([]);
  });
});

describe('Connect', () => {
  it("gives handlers the event's account, calls Stripe as it, and sends with the account's sender and name", async () => {
    // Prepare
    const event = { ...buildStripeEvent('customer.subscription.deleted'), account: 'acct_1Connected' };
    const customerId = event.data.object.customer as string;
    const stripe = recordingStripe({
      [customerId]: { id: customerId, object: 'customer', email: 'buyer@example.com', preferred_locales: [] },
    });
    const { deps, mailer, logger } = consumer(buildRegistry(builtInEmails()), {
      stripe: stripe.api,
      connectedAccountEmails: resolveConnectedAccountEmails({
        acct_1Connected: { senderAddress: 'shop@seller.example.com', emailBusinessName: 'Seller Shop' },
      }),
    });
    // Act
    const outcome = await consumeEvent(JSON.stringify(event), deps);
    // Assess
    expect(outcome).toMatchObject({ status: 'processed', account: 'acct_1Connected' });
    expect(stripe.calls).toEqual([
      { method: 'retrieveCustomer', target: customerId, scope: { account: 'acct_1Connected', eventId: event.id } },
    ]);
    expect(mailer.sent).toEqual([
      expect.objectContaining({ from: 'shop@seller.example.com', to: 'buyer@example.com' }),
    ]);
    expect(mailer.sent[0]?.html).toContain('Seller Shop');
    expect(logger.lines.find((line) => line.message === 'Event processed')?.details).toMatchObject({
      account: 'acct_1Connected',
    });
  });

  it("keeps the defaults for an account without its own settings, and the platform's own events", async () => {
    // Prepare
    const { deps, mailer } = consumer(buildRegistry(builtInEmails()), {
      connectedAccountEmails: resolveConnectedAccountEmails({ acct_1Other: { senderAddress: 'x@other.example.com' } }),
    });
    // Act
    await consumeEvent(JSON.stringify({ ...buildStripeEvent('invoice.paid'), account: 'acct_1Connected' }), deps);
    await consumeEvent(JSON.stringify(buildStripeEvent('invoice.paid')), deps);
    // Assess
    expect(mailer.sent.map((email) => email.from)).toEqual([undefined, undefined]);
  });

  it('refuses per-account settings keyed by anything but an account id, or with a bad sender', () => {
    expect(() => resolveConnectedAccountEmails({ cus_1: {} })).toThrow(/connected account ids like acct_/);
    expect(() => resolveConnectedAccountEmails({ acct_1: { senderAddress: 'nope' } })).toThrow(
      /connectedAccountEmails.acct_1.senderAddress/,
    );
  });
});

describe('API versions', () => {
  it('declares the API version of the pinned stripe package', () => {
    expect(declaredStripeApiVersion).toBe(Stripe.API_VERSION);
  });

  it('processes an event of another version, counting each and logging each version once', async () => {
    // Prepare
    const logger = new RecordingLogger();
    const counts: string[] = [];
    const check = createApiVersionCheck(logger, { count: (name) => counts.push(name) }, '2026-10-28.endive');
    const { deps, mailer } = consumer(buildRegistry(builtInEmails()), { apiVersionCheck: check, logger });
    const old = (id: string) =>
      JSON.stringify({ ...buildStripeEvent('invoice.paid', { id }), api_version: '2024-06-20' });
    // Act
    await consumeEvent(old('evt_test_old1'), deps);
    await consumeEvent(old('evt_test_old2'), deps);
    await consumeEvent(JSON.stringify({ ...buildStripeEvent('invoice.paid'), api_version: '2026-10-28.endive' }), deps);
    await consumeEvent(JSON.stringify(buildThinEvent(meterErrorType)), deps);
    // Assess
    expect(counts.filter((name) => name === 'ApiVersionMismatch')).toHaveLength(2);
    const warnings = logger.lines.filter((line) => line.details?.outcome === 'api_version_mismatch');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.details).toMatchObject({
      eventApiVersion: '2024-06-20',
      declaredApiVersion: '2026-10-28.endive',
    });
    expect(mailer.sent).toHaveLength(3);
  });

  it('sends the receipt for a pre-2025-03-31 invoice (subscription, payment_intent on the invoice) and a current one', async () => {
    // Prepare
    const current = buildStripeEvent('invoice.paid', { id: 'evt_test_basil' });
    const invoice = current.data.object as unknown as Record<string, unknown>;
    const { parent: _parent, payments: _payments, ...withoutNewFields } = invoice;
    const preBasil = {
      ...current,
      id: 'evt_test_prebasil',
      api_version: '2024-06-20',
      data: { object: { ...withoutNewFields, subscription: 'sub_test_1', payment_intent: 'pi_test_1', paid: true } },
    };
    const { deps, mailer } = consumer(buildRegistry(builtInEmails()));
    // Act
    await consumeEvent(JSON.stringify(preBasil), deps);
    await consumeEvent(JSON.stringify(current), deps);
    // Assess
    expect(mailer.sent.map((email) => email.subject)).toEqual([mailer.sent[1]?.subject, mailer.sent[0]?.subject]);
    expect(mailer.sent).toHaveLength(2);
  });
});
