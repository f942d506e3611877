/**
 * Replay on moto and the fake Stripe API, end to end: the local pipeline takes 20 events; 30 more were
 * "sent" by Stripe while the endpoint was down (the fake lists them with delivery_success=false). Replay
 * queues exactly the 30, the real consumer processes them, and nobody gets an email twice.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { messageAttributeNames } from '../../config/contract';
import { isEventDone } from '../../functions/consumer/idempotency-store';
import { replayEvents } from '../../functions/replay/replay-events';
import { replayEventQueue } from '../../functions/replay/replay-queue';
import { sdkSqsSender } from '../../functions/replay/sdk-queue';
import { createStripeAdminApi } from '../../functions/shared/stripe-api/admin';
import { localClientConfig } from '../../tools/local/resources';
import { localStripeApiKey } from '../../tools/local/stripe-api';
import { buildStripeEvent } from '../../tools/stripe-events';
import { localPipelineClient, queueDepth, sesMessages } from '../support/local-pipeline-client';
import { useTestPipeline } from '../support/test-pipeline';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

const signingSecret = 'whsec_replay_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const sqs = new SQSClient(localClientConfig(endpoint));
const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
jest.setTimeout(90_000);
const { pipeline } = useTestPipeline({ signingSecret, visibilityTimeoutSeconds: 1, resourceNameSuffix: 'replay' });
afterAll(() => {
  sqs.destroy();
  dynamodb.destroy();
});

const client = localPipelineClient(pipeline, signingSecret);
const address = (index: number) => `replay.customer${index}@example.com`;

function replayDeps() {
  return {
    stripe: createStripeAdminApi({
      apiKey: async () => localStripeApiKey,
      apiUrl: pipeline().stripeApiUrl,
      ratePerSecond: 25,
    }),
    enqueue: replayEventQueue(sdkSqsSender(sqs, pipeline().resources.queueUrl), 'stripe:replay'),
    isDone: (id: string) => isEventDone(dynamodb, pipeline().resources.tableName, id),
    now: () => new Date(),
  };
}

describe('npm run stripe:replay on moto and the fake Stripe API', () => {
  it('queues the 30 undelivered of 50 events, the consumer processes them, and no email goes twice', async () => {
    // Prepare: 20 delivered through the endpoint and processed...
    const since = new Date(Date.now() - 60_000);
    const delivered = Array.from({ length: 20 }, (_, index) =>
      buildStripeEvent('invoice.paid', { object: { customer_email: address(index) } }),
    );
    for (const event of delivered) expect((await client.post(JSON.stringify(event))).status).toBe(200);
    for (const event of delivered) await client.eventWhen(event.id, (e) => e.status === 'processed');
    // ...and 30 that Stripe sent while the endpoint was down: the fake knows them as not delivered.
    const missed = Array.from({ length: 30 }, (_, index) =>
      buildStripeEvent('invoice.paid', { object: { customer_email: address(20 + index) } }),
    );
    for (const event of missed) {
      const answer = await fetch(`${pipeline().stripeApiUrl}/_fake/events?delivered=false`, {
        method: 'POST',
        body: JSON.stringify(event),
      });
      expect(answer.status).toBe(200);
    }
    const emailsBefore = (await sesMessages(endpoint)).filter((m) =>
      m.destinations.ToAddresses[0]?.startsWith('replay.customer'),
    );
    expect(emailsBefore).toHaveLength(20);

    // Act 1: a dry run changes nothing
    const dryRun = await replayEvents({ since, dryRun: true }, replayDeps());
    expect(dryRun).toMatchObject({ found: 50, alreadyDone: 20, queued: 30, failed: 0, dryRun: true });
    expect(await queueDepth(sqs, pipeline().resources.queueUrl)).toBe(0);
    expect(await isEventDone(dynamodb, pipeline().resources.tableName, missed[0]?.id ?? '')).toBe(false);

    // Act 2: the replay
    const summary = await replayEvents({ since }, replayDeps());

    // Assess
    expect(summary).toMatchObject({ found: 50, alreadyDone: 20, queued: 30, failed: 0 });
    for (const event of missed) {
      await waitFor(
        `${event.id} done`,
        async () => (await isEventDone(dynamodb, pipeline().resources.tableName, event.id)) || undefined,
        30_000,
      );
    }
    const emails = (await sesMessages(endpoint)).filter((m) =>
      m.destinations.ToAddresses[0]?.startsWith('replay.customer'),
    );
    const recipients = emails.map((m) => m.destinations.ToAddresses[0]);
    expect(recipients).toHaveLength(50);
    expect(new Set(recipients).size).toBe(50);

    // A second replay finds everything done.
    expect(await replayEvents({ since }, replayDeps())).toMatchObject({ found: 50, alreadyDone: 50, queued: 0 });
    // --undelivered-only asks Stripe for just the 30.
    expect(await replayEvents({ since, undeliveredOnly: true, dryRun: true }, replayDeps())).toMatchObject({
      found: 30,
      alreadyDone: 30,
    });
  });

  it("puts the receiver's attributes and replayed-by on the message", async () => {
    const event = buildStripeEvent('customer.created', {});
    await fetch(`${pipeline().stripeApiUrl}/_fake/events?delivered=false`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
    // Into a queue the consumer does not read, to look at the message itself.
    const { CreateQueueCommand } = await import('@aws-sdk/client-sqs');
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `replay-inspect-${Date.now()}` }));
    const summary = await replayEvents(
      { since: new Date(Date.now() - 60_000), types: ['customer.created'] },
      { ...replayDeps(), enqueue: replayEventQueue(sdkSqsSender(sqs, QueueUrl), 'stripe:replay') },
    );
    expect(summary.queued).toBe(1);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    const attributes = Object.fromEntries(
      Object.entries(Messages[0]?.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    );
    expect(attributes).toMatchObject({
      [messageAttributeNames.eventId]: event.id,
      [messageAttributeNames.eventType]: 'customer.created',
      [messageAttributeNames.eventPayload]: 'snapshot',
      [messageAttributeNames.replayedBy]: 'stripe:replay',
    });
    expect(JSON.parse(Messages[0]?.Body ?? '{}')).toMatchObject({ id: event.id, type: 'customer.created' });
  });
});
