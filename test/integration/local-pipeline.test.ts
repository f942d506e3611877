import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { messageAttributeNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { localSenderAddress } from '../../tools/local/defaults';
import { lambdaContext } from '../../tools/local/lambda-shapes';
import { type LocalPipeline, startLocalPipeline } from '../../tools/local/pipeline';
import { createLocalResources, localClientConfig } from '../../tools/local/resources';
import { buildConsumerSqsEvent } from '../../tools/receiver-events';
import { redriveDeadLetters } from '../../tools/redrive-dead-letters';
import { runTrigger } from '../../tools/run-trigger';
import { buildStripeEvent, signStripePayload } from '../../tools/stripe-events';
import { localPipelineClient, queueDepth, sesMessagesTo } from '../support/local-pipeline-client';
import { requireMotoEndpoint, waitFor } from '../support/wait-for';

const signingSecret = 'whsec_integration_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const settings = resolveSettings({ stage: 'local' });
const sqs = new SQSClient(localClientConfig(endpoint));
// Generous: with two Jest workers, another file may be loading the shared moto at the same time.
jest.setTimeout(120_000);
let pipeline: LocalPipeline;
const printed: string[] = [];

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    signingSecret,
    emulatorEndpoint: endpoint,
    settings,
    // Failed events come back after 1 s instead of 180 s so the retry path runs in seconds.
    visibilityTimeoutSeconds: 1,
    print: (line) => printed.push(line),
  });
});
afterAll(async () => {
  await pipeline.stop();
  sqs.destroy();
});

const client = localPipelineClient(() => pipeline, signingSecret);
const { post, eventWhen } = client;
const localEvents = client.events;
const localEmails = client.emails;

describe('the local pipeline, through its HTTP endpoint, on moto', () => {
  it('sends one email for a subscription Checkout and its first invoice.paid: the receipt', async () => {
    // Prepare: the same customer's subscription-mode session, then its first invoice
    const email = 'new.subscriber@example.com';
    const checkout = buildStripeEvent('checkout.session.completed', {
      object: { mode: 'subscription', customer_details: { email } },
    });
    const invoice = buildStripeEvent('invoice.paid', { object: { customer_email: email } });
    // Act
    for (const event of [checkout, invoice]) expect((await post(JSON.stringify(event))).status).toBe(200);
    await eventWhen(checkout.id, (e) => e.status === 'processed');
    await eventWhen(invoice.id, (e) => e.status === 'processed');
    // Assess: read back from SES
    const sent = await sesMessagesTo(endpoint, email);
    expect(sent.map((message) => message.subject)).toEqual([expect.stringMatching(/^Receipt for invoice/)]);
  });

  it('sends no receipt for an invoice of amount 0 (a trial start)', async () => {
    // Prepare
    const email = 'trial.start@example.com';
    const event = buildStripeEvent('invoice.paid', { object: { customer_email: email, amount_paid: 0 } });
    // Act
    expect((await post(JSON.stringify(event))).status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'processed');
    // Assess
    expect(await sesMessagesTo(endpoint, email)).toEqual([]);
  });

  it('sends exactly one receipt for an invoice.paid posted three times', async () => {
    // Prepare
    const email = 'three.times@example.com';
    const event = buildStripeEvent('invoice.paid', {
      object: { customer_email: email, amount_paid: 123_456, currency: 'usd' },
    });
    const body = JSON.stringify(event);
    // Act
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(body)).status);
    const seen = await eventWhen(event.id, (e) => e.status === 'processed' && e.attempts === 3);
    // Assess
    expect(statuses).toEqual([200, 200, 200]);
    expect(seen.deliveries).toBe(3);
    const emails = (await localEmails()).filter((mail) => mail.eventId === event.id);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ to: email, from: localSenderAddress });
    expect(emails[0]?.text).toContain('$1,234.56');
    expect(emails[0]?.html).toContain('$1,234.56');
    // Read back from SES itself, not only from what the pipeline recorded
    const inSes = await sesMessagesTo(endpoint, email);
    expect(inSes).toHaveLength(1);
    expect(inSes[0]?.id).toBe(emails[0]?.messageId);
  });

  it('formats a zero-decimal currency right in the receipt', async () => {
    // Prepare
    const event = buildStripeEvent('invoice.paid', {
      object: { customer_email: 'yen@example.com', amount_paid: 1500, currency: 'jpy' },
    });
    // Act
    expect((await post(JSON.stringify(event))).status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'processed');
    // Assess
    const [email] = (await localEmails()).filter((mail) => mail.eventId === event.id);
    expect(email?.text).toMatch(/¥1,500(?![.,]\d)/);
  });

  it('sends a confirmation for checkout.session.completed', async () => {
    // Prepare
    const event = buildStripeEvent('checkout.session.completed', {
      object: { customer_details: { email: 'checkout@example.com' } } as never,
    });
    // Act
    expect((await post(JSON.stringify(event))).status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'processed');
    // Assess
    const emails = (await localEmails()).filter((mail) => mail.eventId === event.id);
    expect(emails.map((mail) => mail.to)).toEqual(['checkout@example.com']);
  });

  it('treats a duplicate in the same SQS batch as a duplicate, not as a failure', async () => {
    // Prepare: the consumer handler the pipeline runs, given one batch holding the same event twice
    const { handler } = await import('../../functions/consumer/handler');
    const event = buildStripeEvent('invoice.paid', { object: { customer_email: 'same.batch@example.com' } });
    const body = JSON.stringify(event);
    const records = buildConsumerSqsEvent(body).Records.flatMap((record) => [
      { ...record, messageId: 'first-copy' },
      { ...record, messageId: 'second-copy' },
    ]);
    // Act
    const response = await handler({ Records: records }, lambdaContext('consumer', settings.consumerTimeoutSeconds));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await sesMessagesTo(endpoint, 'same.batch@example.com')).toHaveLength(1);
  });

  it('answers 400 to a tampered body and queues nothing', async () => {
    // Prepare
    const event = buildStripeEvent('invoice.paid', { object: { customer_email: 'tampered@example.com' } });
    const body = JSON.stringify(event);
    const signature = signStripePayload(body, signingSecret);
    const tampered = body.replace('"amount_paid":2000', '"amount_paid":1');
    expect(tampered).not.toBe(body);
    // Act
    const response = await post(tampered, signature);
    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'signature_mismatch', message: expect.stringMatching(/raw request body/) },
    });
    expect(await queueDepth(sqs, pipeline.resources.queueUrl)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await localEvents()).find((e) => e.id === event.id)).toBeUndefined();
    expect(await sesMessagesTo(endpoint, 'tampered@example.com')).toHaveLength(0);
  });

  it('delivers an event sent by `npm run trigger`', async () => {
    // Prepare
    const lines: string[] = [];
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), env: {} };
    // Act
    const result = await runTrigger(['invoice.paid', '--url', pipeline.webhookUrl, '--secret', signingSecret], io);
    // Assess
    expect(result.exitCode).toBe(0);
    if (!result.sent) throw new Error('the trigger sent nothing');
    const id = result.sent.event.id;
    await eventWhen(id, (e) => e.status === 'processed');
    expect((await localEmails()).filter((mail) => mail.eventId === id)).toHaveLength(1);
  });

  it('answers 5xx when the queue is unavailable, so that Stripe retries', async () => {
    // Prepare
    await sqs.send(new DeleteQueueCommand({ QueueUrl: pipeline.resources.queueUrl }));
    const event = buildStripeEvent('invoice.paid');
    try {
      // Act
      const response = await post(JSON.stringify(event));
      // Assess
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'enqueue_failed' } });
    } finally {
      await createLocalResources(endpoint, settings, {
        signingSecret,
        senderAddress: localSenderAddress,
        visibilityTimeoutSeconds: 1,
      });
    }
    // Stripe's retry, once the queue is back, is accepted
    expect((await post(JSON.stringify(event))).status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'processed');
  });

  it('replays a dead letter of an event already done without sending its email again', async () => {
    // Prepare: a processed event, and a copy of its message in the dead-letter queue
    const event = buildStripeEvent('invoice.paid', { email: 'replayed@example.com' });
    const body = JSON.stringify(event);
    expect((await post(body)).status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'processed');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.resources.deadLetterQueueUrl,
        MessageBody: body,
        MessageAttributes: {
          [messageAttributeNames.eventId]: { DataType: 'String', StringValue: event.id },
          [messageAttributeNames.eventType]: { DataType: 'String', StringValue: event.type },
        },
      }),
    );
    // Act
    const summary = await redriveDeadLetters({
      sqs,
      deadLetterQueueUrl: pipeline.resources.deadLetterQueueUrl,
      targetQueueUrl: pipeline.resources.queueUrl,
      dryRun: false,
      max: 10,
      print: () => undefined,
    });
    const replayed = await eventWhen(event.id, (e) => e.attempts === 2);
    // Assess
    expect(summary.moved).toBe(1);
    expect(replayed.status).toBe('processed');
    expect(printed.some((line) => line.includes(`= duplicate invoice.paid [${event.id}]`))).toBe(true);
    expect(await sesMessagesTo(endpoint, 'replayed@example.com')).toHaveLength(1);
  });

  it('retries an event whose handler fails, then moves it to the dead-letter queue', async () => {
    // Prepare: without the suppression table, every lookup before the send fails, so the receipt handler
    // fails every time (an unverified sender no longer does: SES's MessageRejected is final, not retried)
    const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
    await dynamodb.send(new DeleteTableCommand({ TableName: pipeline.resources.suppressionTableName }));
    const event = buildStripeEvent('invoice.paid', { object: { customer_email: 'never.sent@example.com' } });
    try {
      // Act
      expect((await post(JSON.stringify(event))).status).toBe(200);
      const failed = await eventWhen(event.id, (e) => e.status === 'dead_lettered', 90_000);
      // Assess
      expect(failed.attempts).toBe(settings.maxReceiveCount);
      const deadLetter = await waitFor('the event in the dead-letter queue', async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: pipeline.resources.deadLetterQueueUrl,
            MessageAttributeNames: ['All'],
            VisibilityTimeout: 0,
          }),
        );
        return Messages.find((m) => m.MessageAttributes?.[messageAttributeNames.eventId]?.StringValue === event.id);
      });
      expect(JSON.parse(deadLetter.Body ?? '{}')).toMatchObject({ id: event.id, type: 'invoice.paid' });
      expect(await sesMessagesTo(endpoint, 'never.sent@example.com')).toHaveLength(0);
      expect(printed.some((line) => line.includes(event.id) && line.includes('dead-letter queue'))).toBe(true);
    } finally {
      await createLocalResources(endpoint, settings, {
        signingSecret,
        senderAddress: localSenderAddress,
        visibilityTimeoutSeconds: 1,
      });
      dynamodb.destroy();
    }
  });
});
