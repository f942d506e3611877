import {
  type ConsumerDependencies,
  consumeEvent,
  EventInProgressError,
  type HandlerContext,
  MalformedMessageError,
} from '../../functions/consumer/consume-event';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import { EventRegistry } from '../../functions/consumer/event-registry';
import projectSubscriptions from '../../functions/subscriptions';
import { buildStripeEvent } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

const start = new Date('2026-11-22T10:00:00Z');

function setup(registry: EventRegistry<HandlerContext> = buildRegistry(projectSubscriptions)) {
  const store = new InMemoryIdempotencyStore();
  const mailer = new RecordingMailer();
  const logger = new RecordingLogger();
  let clock = start.getTime();
  const deps: ConsumerDependencies = {
    registry,
    store,
    mailer,
    logger,
    now: () => new Date(clock),
    inProgressExpirySeconds: 60,
    retentionDays: 30,
  };
  return { deps, store, mailer, logger, advance: (seconds: number) => (clock += seconds * 1000) };
}

const invoicePaid = () => JSON.stringify(buildStripeEvent('invoice.paid'));

/** A handler that sends two emails for one event, as a handler with several side effects does. */
function twoEmailRegistry(order: string[] = []) {
  return new EventRegistry<HandlerContext>().on('invoice.paid', async (event, context) => {
    order.push('ran');
    await context.sendEmail({ to: 'customer@example.com', subject: 'Receipt', text: 't', html: 'h' });
    await context.sendEmail(
      { to: 'finance@example.com', subject: 'Payment in', text: 't', html: 'h' },
      { step: 'finance' },
    );
    order.push(`done:${event.id}`);
  });
}

describe('consumeEvent', () => {
  it('sends one receipt for invoice.paid and remembers the event for 30 days', async () => {
    // Prepare
    const { deps, store, mailer } = setup();
    const body = invoicePaid();
    const { id } = JSON.parse(body) as { id: string };
    // Act
    const outcome = await consumeEvent(body, deps);
    // Assess
    expect(outcome).toMatchObject({ status: 'processed', eventId: id, eventType: 'invoice.paid' });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toBe('jenny.rosen@example.com');
    expect(store.items.get(id)).toMatchObject({ status: 'COMPLETED', expiresAt: start.getTime() / 1000 + 30 * 86_400 });
  });

  it('skips a duplicate of a done event without sending again', async () => {
    // Prepare
    const { deps, mailer } = setup();
    const body = invoicePaid();
    await consumeEvent(body, deps);
    // Act
    const second = await consumeEvent(body, deps);
    // Assess
    expect(second.status).toBe('duplicate');
    expect(mailer.sent).toHaveLength(1);
  });

  it('frees the claim when a handler fails, so the retry sends the email once', async () => {
    // Prepare
    const { deps, store, mailer } = setup();
    const body = invoicePaid();
    mailer.failNext = 1;
    // Act
    await expect(consumeEvent(body, deps)).rejects.toThrow('SES is unavailable');
    const { id } = JSON.parse(body) as { id: string };
    const afterFailure = store.items.get(id)?.status;
    const retry = await consumeEvent(body, deps);
    // Assess
    expect(afterFailure).toBe('RELEASED');
    expect(retry.status).toBe('processed');
    expect(mailer.sent).toHaveLength(1);
  });

  it('retries later, instead of running twice, while another attempt holds the claim', async () => {
    // Prepare: an attempt that claimed the event and is still running
    const { deps, store, advance } = setup();
    const body = invoicePaid();
    const { id } = JSON.parse(body) as { id: string };
    const at = start.getTime() / 1000;
    const claimOptions = { nowSeconds: at, inProgressUntilSeconds: at + 60, expiresAtSeconds: at + 99, eventType: 'x' };
    await store.claim(id, { ...claimOptions, payloadHash: 'ignored' });
    // Act / Assess
    await expect(consumeEvent(body, deps)).rejects.toThrow(EventInProgressError);
    advance(61);
    await expect(consumeEvent(body, deps)).resolves.toMatchObject({ status: 'processed' });
  });

  it("sets the claim's expiry from the invocation's remaining time", async () => {
    // Prepare
    const registry = new EventRegistry<HandlerContext>().on('invoice.paid', () => undefined);
    const { deps, store } = setup(registry);
    const claims: number[] = [];
    const claim = store.claim.bind(store);
    store.claim = async (eventId, options) => {
      claims.push(options.inProgressUntilSeconds - options.nowSeconds);
      return claim(eventId, options);
    };
    // Act
    await consumeEvent(invoicePaid(), deps, { remainingTimeMs: 12_300 });
    await consumeEvent(invoicePaid(), deps);
    // Assess: 13 s left (rounded up) plus a 5 s margin; the fallback without a context is 60 s
    expect(claims).toEqual([18, 60]);
  });

  it('acknowledges an event type with no handler without touching the table', async () => {
    // Prepare
    const { deps, store, logger } = setup();
    // Act
    const outcome = await consumeEvent(JSON.stringify(buildStripeEvent('customer.created')), deps);
    // Assess
    expect(outcome.status).toBe('unhandled');
    expect(store.items.size).toBe(0);
    expect(logger.lines.some((line) => line.details.outcome === 'unhandled')).toBe(true);
  });

  it('skips (and does not fail) an invoice without a customer email or customer', async () => {
    // Prepare
    const { deps, mailer, logger } = setup();
    const body = JSON.stringify(buildStripeEvent('invoice.paid', { object: { customer_email: null, customer: null } }));
    // Act
    const outcome = await consumeEvent(body, deps);
    // Assess
    expect(outcome).toMatchObject({ status: 'processed', emails: [] });
    expect(mailer.sent).toHaveLength(0);
    expect(logger.lines.some((line) => line.details.outcome === 'skipped_no_email')).toBe(true);
  });

  it('sends a confirmation for checkout.session.completed to the customer details email', async () => {
    // Prepare
    const { deps, mailer } = setup();
    // Act
    await consumeEvent(JSON.stringify(buildStripeEvent('checkout.session.completed')), deps);
    // Assess
    expect(mailer.sent.map((email) => email.to)).toEqual(['jenny.rosen@example.com']);
  });

  it('refuses a message that is not an event with an error that says so', async () => {
    // Prepare
    const { deps } = setup();
    // Act / Assess
    await expect(consumeEvent('not json', deps)).rejects.toThrow(MalformedMessageError);
    await expect(consumeEvent('{"object":"invoice"}', deps)).rejects.toThrow(/not a Stripe event/);
  });

  it('does not repeat the steps that succeeded when a retry follows a partial failure', async () => {
    // Prepare: the first email goes out, the second fails
    const { deps, mailer, store } = setup(twoEmailRegistry());
    const body = invoicePaid();
    const { id } = JSON.parse(body) as { id: string };
    const send = mailer.send.bind(mailer);
    let calls = 0;
    mailer.send = async (email) => {
      calls += 1;
      if (calls === 2) throw new Error('SES is unavailable (injected)');
      return send(email);
    };
    // Act
    await expect(consumeEvent(body, deps)).rejects.toThrow('SES is unavailable');
    const retry = await consumeEvent(body, deps);
    // Assess: each email exactly once, the SES message id of the first one recorded under the event
    expect(mailer.sent.map((email) => email.to)).toEqual(['customer@example.com', 'finance@example.com']);
    expect(retry).toMatchObject({ status: 'processed', skippedSteps: ['email:customer@example.com'] });
    expect(store.items.get(id)?.steps.get('email:customer@example.com')?.reference).toBe('message-1');
  });

  it('logs an anomaly and does not handle again an event id that comes back with another payload', async () => {
    // Prepare
    const { deps, mailer, logger } = setup();
    const event = buildStripeEvent('invoice.paid');
    await consumeEvent(JSON.stringify(event), deps);
    const changed = { ...event, data: { object: { ...event.data.object, amount_paid: 1 } } };
    // Act
    const outcome = await consumeEvent(JSON.stringify(changed), deps);
    // Assess
    expect(outcome).toEqual({
      eventId: event.id,
      eventType: 'invoice.paid',
      status: 'duplicate',
      payloadMismatch: true,
    });
    expect(mailer.sent).toHaveLength(1);
    expect(logger.lines.some((line) => line.details.outcome === 'payload_mismatch')).toBe(true);
  });

  it('does not call a redelivery with another pending_webhooks count or key order an anomaly', async () => {
    // Prepare
    const { deps } = setup();
    const event = buildStripeEvent('invoice.paid');
    await consumeEvent(JSON.stringify(event), deps);
    const { data, ...envelope } = event;
    const redelivered = JSON.stringify({ data, ...envelope, pending_webhooks: 0 });
    // Act
    const outcome = await consumeEvent(redelivered, deps);
    // Assess
    expect(outcome).toMatchObject({ status: 'duplicate', payloadMismatch: false });
  });

  it('skips and counts an event older than the last one applied to the same object', async () => {
    // Prepare: an opt-in ordered handler for invoice.paid, keyed by the invoice id
    const applied: string[] = [];
    const registry = new EventRegistry<HandlerContext>().on('invoice.paid', async (event, context) => {
      await context.applyInOrder(event.data.object.id ?? '', async () => {
        applied.push(event.id);
      });
    });
    const { deps } = setup(registry);
    const newer = buildStripeEvent('invoice.paid', { created: 2_000 });
    const older = buildStripeEvent('invoice.paid', { created: 1_000, object: { id: newer.data.object.id } });
    // Act
    await consumeEvent(JSON.stringify(newer), deps);
    const outcome = await consumeEvent(JSON.stringify(older), deps);
    // Assess
    expect(applied).toEqual([newer.id]);
    expect(outcome).toMatchObject({ status: 'processed', staleObjects: [newer.data.object.id] });
  });
});
