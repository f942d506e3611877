/**
 * A handler failing on every attempt ends in the dead-letter queue with its reason (issue 21, item 4):
 * the local pipeline on moto, with a handler that needs a field the event lacks, and `maxReceiveCount` 2.
 * The message carries the reason as attributes, `npm run redrive -- --dry-run` prints it, the console's
 * Dead letters view shows it, and a redrive sends the message on without it.
 */
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterAttributeNames, messageAttributeNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import { defineSubscriptions } from '../../functions/consumer/define-subscriptions';
import { MissingFieldError } from '../../functions/consumer/handler-failure';
import type { DeadLetter } from '../../tools/local/dead-letter-view';
import { localClientConfig } from '../../tools/local/resources';
import { redriveDeadLetters } from '../../tools/redrive-dead-letters';
import { buildStripeEvent } from '../../tools/stripe-events';
import { localPipelineClient } from '../support/local-pipeline-client';
import { runRedriveCli } from '../support/redrive-cli';
import { useTestPipeline } from '../support/test-pipeline';
import { waitFor } from '../support/wait-for';

jest.setTimeout(120_000);
const signingSecret = 'whsec_dead_letter_reason_test_not_real';
const settings = resolveSettings({ stage: 'local', maxReceiveCount: 2 });

/** A team's receipt that cannot do without the invoice's date, and says so. */
const subscriptions = defineSubscriptions((on) => {
  on('invoice.paid', async function receipt(event) {
    if (typeof (event.data.object as { created?: unknown }).created !== 'number') {
      throw new MissingFieldError('invoice.created');
    }
  });
});

const { pipeline, printed, endpoint } = useTestPipeline({
  signingSecret,
  resourceNameSuffix: 'dead-letter-reason',
  settings,
  subscriptions,
  // Failed events come back after 1 s, so both attempts run in seconds.
  visibilityTimeoutSeconds: 1,
});
const { post, eventWhen } = localPipelineClient(pipeline, signingSecret);
const sqs = new SQSClient(localClientConfig(endpoint));
afterAll(() => sqs.destroy());

/** The dead letter of `eventId`, peeked (it stays visible). */
async function deadLetterOf(queueUrl: string, eventId: string): Promise<Message> {
  return waitFor(`the dead letter of ${eventId}`, async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    return Messages.find((m) => m.MessageAttributes?.[messageAttributeNames.eventId]?.StringValue === eventId);
  });
}

describe('a handler failing on every attempt', () => {
  const event = buildStripeEvent('invoice.paid');
  delete (event.data.object as { created?: number }).created;

  beforeAll(async () => {
    expect((await post(JSON.stringify(event))).status).toBe(200);
    await eventWhen(event.id, (e) => e.status === 'dead_lettered', 90_000);
  });

  it('puts its reason on the dead-letter message: handler, field, attempts', async () => {
    // Act
    const message = await deadLetterOf(pipeline().resources.deadLetterQueueUrl, event.id);
    // Assess: the original body and attributes, and the reason
    const attributes = message.MessageAttributes ?? {};
    expect(JSON.parse(message.Body ?? '{}')).toMatchObject({ id: event.id, type: 'invoice.paid' });
    expect(attributes[messageAttributeNames.eventType]?.StringValue).toBe('invoice.paid');
    expect(attributes[deadLetterAttributeNames.lastError]?.StringValue).toBe('receipt: invoice.created is missing');
    expect(JSON.parse(attributes[deadLetterAttributeNames.lastErrorDetail]?.StringValue ?? '{}')).toEqual({
      handler: 'receipt',
      step: null,
      field: 'invoice.created',
      attempts: settings.maxReceiveCount,
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    // Once: the consumer moved it, SQS's redrive had nothing left to move.
    expect(
      printed.filter((line) => line.includes(event.id) && line.includes('receipt: invoice.created is missing')),
    ).toHaveLength(settings.maxReceiveCount);
  });

  it('is printed by `npm run redrive -- --dry-run`, per message', () => {
    // Act
    const result = runRedriveCli(['--dry-run', '--dead-letter-queue', pipeline().resources.deadLetterQueueUrl]);
    // Assess
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    const listed = lines.findIndex((line) => line.includes(`would move invoice.paid [${event.id}]`));
    expect(listed).toBeGreaterThanOrEqual(0);
    expect(lines[listed + 1]).toMatch(
      new RegExp(`^ +last error: receipt: invoice\\.created is missing \\(attempt ${settings.maxReceiveCount}, at `),
    );
  });

  it("is in the JSON of the console's Dead letters view", async () => {
    // Act
    const deadLetters = (await (await fetch(`${pipeline().url}/_local/dead-letters`)).json()) as DeadLetter[];
    // Assess
    expect(deadLetters.find((d) => d.eventId === event.id)?.reason).toMatchObject({
      error: 'receipt: invoice.created is missing',
      handler: 'receipt',
      field: 'invoice.created',
    });
  });

  it('is left behind by a redrive, so a later failure writes a fresh one', async () => {
    // Prepare: a queue of this test's own, that no consumer reads
    const target = await sqs.send(new CreateQueueCommand({ QueueName: `dead-letter-reason-target-${process.pid}` }));
    // Act
    const summary = await redriveDeadLetters({
      sqs,
      deadLetterQueueUrl: pipeline().resources.deadLetterQueueUrl,
      targetQueueUrl: target.QueueUrl ?? '',
      dryRun: false,
      max: Number.POSITIVE_INFINITY,
      print: () => undefined,
    });
    // Assess
    expect(summary.moved).toBeGreaterThanOrEqual(1);
    const moved = await deadLetterOf(target.QueueUrl ?? '', event.id);
    const names = Object.keys(moved.MessageAttributes ?? {});
    expect(names).toEqual(expect.arrayContaining([messageAttributeNames.eventId, messageAttributeNames.eventType]));
    expect(names).not.toContain(deadLetterAttributeNames.lastError);
    expect(names).not.toContain(deadLetterAttributeNames.lastErrorDetail);
  });
});
