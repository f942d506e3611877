/**
 * The example app's own thin-event handler (`examples/custom-handlers/subscriptions.ts`): a meter error
 * report, fetched through the Stripe API port, becomes one notice to finance.
 */
import exampleSubscriptions from '../../examples/custom-handlers/subscriptions';
import { type ConsumerDependencies, consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import type { StripeApi } from '../../functions/shared/stripe-api/port';
import { buildThinEvent } from '../../tools/event-deliveries';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

const meterErrorType = 'v1.billing.meter.error_report_triggered';

function stripeAnswering(objects: Record<string, unknown>): { api: StripeApi; asked: string[] } {
  const asked: string[] = [];
  const answer = async (target: string) => {
    asked.push(target);
    if (!(target in objects)) throw new Error(`unexpected Stripe call for ${target}`);
    return objects[target] as never;
  };
  return {
    asked,
    api: {
      retrieveCustomer: answer,
      retrieveSubscription: answer,
      retrieveEvent: answer,
      retrieveThinEvent: answer,
      retrieveRelatedObject: answer,
      retrieveDispute: answer,
      retrieveCharge: answer,
    },
  };
}

describe('the example app: meter error reports to finance', () => {
  const previous = process.env.FINANCE_ADDRESS;
  afterEach(() => {
    if (previous === undefined) delete process.env.FINANCE_ADDRESS;
    else process.env.FINANCE_ADDRESS = previous;
  });

  it('fetches the meter and the report, and sends finance one notice however often the event comes', async () => {
    // Prepare
    process.env.FINANCE_ADDRESS = 'finance@example.org';
    const thin = buildThinEvent(meterErrorType);
    const url = (thin.related_object as { url: string }).url;
    const report = {
      ...thin,
      data: {
        developer_message_summary: 'There is 1 invalid event',
        reason: { error_count: 3, error_types: [] },
        validation_start: '2026-12-03T09:00:00.000Z',
        validation_end: '2026-12-03T10:00:00.000Z',
      },
    };
    const stripe = stripeAnswering({
      [url]: { id: 'mtr_test_1', display_name: 'API calls' },
      [String(thin.id)]: report,
    });
    const mailer = new RecordingMailer();
    const deps: ConsumerDependencies = {
      registry: buildRegistry(exampleSubscriptions),
      store: new InMemoryIdempotencyStore(),
      mailer,
      logger: new RecordingLogger(),
      now: () => new Date('2026-12-03T10:05:00Z'),
      inProgressExpirySeconds: 60,
      retentionDays: 30,
      metrics: { count: () => undefined },
      stripe: stripe.api,
    };
    // Act
    const first = await consumeEvent(JSON.stringify(thin), deps);
    const again = await consumeEvent(JSON.stringify(thin), deps);
    // Assess
    expect([first.status, again.status]).toEqual(['processed', 'duplicate']);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]).toMatchObject({ to: 'finance@example.org', subject: 'Usage not recorded: API calls' });
    expect(mailer.sent[0]?.text).toBe(
      '3 usage events for meter "API calls" could not be recorded between 2026-12-03T09:00:00.000Z and 2026-12-03T10:00:00.000Z: There is 1 invalid event\n',
    );
    expect(stripe.asked).toEqual([url, thin.id]);
  });
});
