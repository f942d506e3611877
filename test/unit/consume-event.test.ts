import {
  type ConsumerDependencies,
  consumeEvent,
  EventInProgressError,
  type HandlerContext,
  MalformedMessageError,
} from '../../functions/consumer/consume-event';
import { EventRegistry } from '../../functions/consumer/event-registry';
import { createSubscriptions } from '../../functions/consumer/subscriptions';
import { buildStripeEvent } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../support/fakes';

const start = new Date('2026-11-22T10:00:00Z');

function setup(registry: EventRegistry<HandlerContext> = createSubscriptions()) {
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
    const afterFailure = store.items.size;
    const retry = await consumeEvent(body, deps);
    // Assess
    expect(afterFailure).toBe(0);
    expect(retry.status).toBe('processed');
    expect(mailer.sent).toHaveLength(1);
  });

  it('retries later, instead of running twice, while another attempt holds the claim', async () => {
    // Prepare: an attempt that claimed the event and is still running
    const { deps, store, advance } = setup();
    const body = invoicePaid();
    const { id } = JSON.parse(body) as { id: string };
    await store.claim(id, { nowSeconds: start.getTime() / 1000, inProgressUntilSeconds: start.getTime() / 1000 + 60 });
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

  it('skips (and does not fail) an invoice without a customer email', async () => {
    // Prepare
    const { deps, mailer, logger } = setup();
    const body = JSON.stringify(buildStripeEvent('invoice.paid', { object: { customer_email: null } }));
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
});
