/**
 * The reconciler's Lambda entry (functions/reconciler/handler.ts) as EventBridge Scheduler invokes it,
 * on moto and the fake Stripe API: it reads the environment the stack gives it, its API key from
 * Secrets Manager, queues what Stripe could not deliver, and the real consumer processes it once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { envVarNames } from '../../config/contract';
import { isEventDone } from '../../functions/consumer/idempotency-store';
import { localClientConfig } from '../../tools/local/resources';
import { buildStripeEvent } from '../../tools/stripe-events';
import { sesMessages } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { waitFor } from '../support/wait-for';

const signingSecret = 'whsec_reconciler_lambda_test_not_real';
jest.setTimeout(90_000);
const { pipeline, endpoint } = useTestPipeline({
  signingSecret,
  visibilityTimeoutSeconds: 1,
  resourceNameSuffix: 'reconciler-lambda',
});
const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
afterAll(() => dynamodb.destroy());
const isDone = (id: string) => isEventDone(dynamodb, pipeline().resources.tableName, id);
const address = (index: number) => `reconciled.customer${index}@example.com`;

type ReconcilerHandler = typeof import('../../functions/reconciler/handler').handler;

/** The entry as a fresh container loads it: it reads the environment once, at import. */
function loadHandler(environment: Record<string, string> = {}): ReconcilerHandler {
  const saved = { ...process.env };
  Object.assign(process.env, environment);
  try {
    let handler: ReconcilerHandler | undefined;
    jest.isolateModules(() => {
      handler = (require('../../functions/reconciler/handler') as typeof import('../../functions/reconciler/handler'))
        .handler;
    });
    if (handler === undefined) throw new Error('functions/reconciler/handler did not load');
    return handler;
  } finally {
    process.env = saved;
  }
}

async function addUndelivered(count: number, createdSecondsAgo: number) {
  const created = Math.floor(Date.now() / 1000) - createdSecondsAgo;
  const events = Array.from({ length: count }, (_, index) =>
    buildStripeEvent('invoice.paid', { created, object: { customer_email: address(index) } }),
  );
  for (const event of events) {
    const answer = await fetch(`${pipeline().stripeApiUrl}/_fake/events?delivered=false`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
    expect(answer.status).toBe(200);
  }
  return events;
}

describe('the reconciler Lambda entry, as the schedule invokes it', () => {
  it('queues the undelivered events older than the grace period, the consumer mails each once, and a second run queues none', async () => {
    // Prepare: 4 events Stripe could not deliver 30 minutes ago, and 1 from a minute ago (left to Stripe's retries)
    const missed = await addUndelivered(4, 30 * 60);
    await addUndelivered(1, 60);
    const handler = loadHandler();

    // Act
    const first = await handler();
    for (const event of missed) await waitFor(`${event.id} done`, async () => (await isDone(event.id)) || undefined);
    const second = await handler();

    // Assess
    expect(first).toEqual({ found: 4, alreadyDone: 0, queued: 4, failed: 0 });
    expect(second).toEqual({ found: 4, alreadyDone: 4, queued: 0, failed: 0 });
    const mailed = (await sesMessages(endpoint))
      .map((m) => m.destinations.ToAddresses[0] ?? '')
      .filter((to) => to.startsWith('reconciled.customer'));
    expect(mailed.sort()).toEqual(missed.map((_, index) => address(index)).sort());
  });

  it('fails the invocation (so the schedule retries and the Errors metric shows it) when events cannot be queued', async () => {
    // Prepare: an undelivered event, and a queue URL that does not exist
    await addUndelivered(1, 20 * 60);
    const queueUrl = pipeline().resources.queueUrl.replace(/[^/]+$/, 'no-such-queue');
    const handler = loadHandler({ [envVarNames.queueUrl]: queueUrl });
    // Act + Assess
    await expect(handler()).rejects.toThrow(
      /undelivered Stripe event\(s\) could not be queued; the next run retries them/,
    );
  });

  it('says which variable to set when the stack did not give it one', () => {
    expect(() => loadHandler({ [envVarNames.stripeApiKeySecretId]: '' })).toThrow(envVarNames.stripeApiKeySecretId);
  });
});
