import { consumeEvent } from '../../functions/consumer/consume-event';
import { countRecordOutcome, createConsumerMetrics } from '../../functions/consumer/consumer-metrics';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import { livemodeFilter } from '../../functions/consumer/livemode-filter';
import projectSubscriptions from '../../functions/subscriptions';
import { buildStripeEvent } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

function deps(acceptedLivemode: 'live' | 'test' | 'any') {
  const mailer = new RecordingMailer();
  return {
    mailer,
    deps: {
      registry: buildRegistry(projectSubscriptions, { filters: [livemodeFilter(acceptedLivemode)] }),
      store: new InMemoryIdempotencyStore(),
      mailer,
      now: () => new Date('2026-11-22T10:00:00Z'),
      logger: new RecordingLogger(),
      inProgressExpirySeconds: 60,
      retentionDays: 30,
    },
  };
}

describe('livemode filter', () => {
  it.each([
    ['live', false, 'filtered', 0],
    ['live', true, 'processed', 1],
    ['test', true, 'filtered', 0],
    ['test', false, 'processed', 1],
    ['any', true, 'processed', 1],
  ] as const)(
    'on a stage accepting %s events, an event with livemode=%s is %s',
    async (accepted, livemode, status, emails) => {
      // Prepare
      const { deps: consumerDeps, mailer } = deps(accepted);
      const body = JSON.stringify(buildStripeEvent('invoice.paid', { livemode }));
      // Act
      const outcome = await consumeEvent(body, consumerDeps);
      // Assess
      expect(outcome.status).toBe(status);
      expect(mailer.sent).toHaveLength(emails);
    },
  );
});

describe('consumer metrics', () => {
  it('counts the outcome, the emails sent and the anomalies of a record', () => {
    // Prepare
    const metrics = createConsumerMetrics('test');
    // Act
    countRecordOutcome(metrics, {
      status: 'processed',
      messageId: 'm-1',
      eventId: 'evt_1',
      eventType: 'invoice.paid',
      emails: [{ to: 'a@example.com', subject: 's', text: 't', html: 'h', messageId: 'ses-1' }],
      skippedSteps: ['email:b@example.com'],
      staleObjects: [],
      unsentEmails: [],
      payloadMismatch: true,
    });
    countRecordOutcome(metrics, { status: 'throttled', messageId: 'm-2', delaySeconds: 10 });
    const emf = metrics.serializeMetrics() as unknown as Record<string, unknown>;
    // Assess
    expect(emf).toMatchObject({
      Processed: 1,
      EmailsSent: 1,
      StepsSkipped: 1,
      PayloadMismatches: 1,
      Throttled: 1,
      stage: 'test',
    });
    expect(emf).not.toHaveProperty('StaleEvents');
  });
});
