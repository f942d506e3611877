import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { messageAttributeNames } from '../../config/contract';
import { localClientConfig } from '../../tools/local/resources';
import { redriveDeadLetters } from '../../tools/redrive-dead-letters';
import { runRedriveCli } from '../support/redrive-cli';
import { requireMotoEndpoint } from '../support/wait-for';

jest.setTimeout(60_000);
const endpoint = requireMotoEndpoint();
const sqs = new SQSClient(localClientConfig(endpoint));
afterAll(() => sqs.destroy());

/** A queue and its dead-letter queue of this test's own, holding `count` dead letters. */
async function queuesWithDeadLetters(count: number) {
  const suffix = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const deadLetter = await sqs.send(new CreateQueueCommand({ QueueName: `redrive-dlq-${suffix}` }));
  const deadLetterQueueUrl = deadLetter.QueueUrl ?? '';
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `redrive-queue-${suffix}`,
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 5 }) },
    }),
  );
  for (let i = 0; i < count; i++) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: JSON.stringify({ id: `evt_test_dead_${i}`, object: 'event', type: 'invoice.paid' }),
        MessageAttributes: {
          [messageAttributeNames.eventId]: { DataType: 'String', StringValue: `evt_test_dead_${i}` },
          [messageAttributeNames.eventType]: { DataType: 'String', StringValue: 'invoice.paid' },
        },
      }),
    );
  }
  return { deadLetterQueueUrl, targetQueueUrl: queue.QueueUrl ?? '' };
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages);
}

describe('redriveDeadLetters on SQS (moto)', () => {
  it('lists in a dry run without moving or hiding anything', async () => {
    // Prepare
    const queues = await queuesWithDeadLetters(7);
    const lines: string[] = [];
    // Act
    const summary = await redriveDeadLetters({ sqs, ...queues, dryRun: true, max: 5, print: (l) => lines.push(l) });
    // Assess
    expect(summary).toEqual({ moved: 0, failed: 0, listed: 5 });
    expect(lines.filter((line) => line.includes('would move invoice.paid [evt_test_dead_'))).toHaveLength(5);
    expect(await depth(queues.deadLetterQueueUrl)).toBe(7);
    expect(await depth(queues.targetQueueUrl)).toBe(0);
  });

  it('moves at most --max messages with their bodies and attributes, then the rest', async () => {
    // Prepare
    const queues = await queuesWithDeadLetters(12);
    const print = () => undefined;
    // Act
    const first = await redriveDeadLetters({ sqs, ...queues, dryRun: false, max: 10, print });
    const afterFirst = { dead: await depth(queues.deadLetterQueueUrl), target: await depth(queues.targetQueueUrl) };
    const second = await redriveDeadLetters({ sqs, ...queues, dryRun: false, max: Number.POSITIVE_INFINITY, print });
    // Assess
    expect(first).toEqual({ moved: 10, failed: 0, listed: 0 });
    expect(afterFirst).toEqual({ dead: 2, target: 10 });
    expect(second.moved).toBe(2);
    expect(await depth(queues.deadLetterQueueUrl)).toBe(0);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.targetQueueUrl,
        MaxNumberOfMessages: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const [moved] = Messages;
    const movedId = moved?.MessageAttributes?.[messageAttributeNames.eventId]?.StringValue;
    expect(movedId).toMatch(/^evt_test_dead_\d+$/);
    expect(JSON.parse(moved?.Body ?? '{}')).toMatchObject({ id: movedId });
  });

  it('is what `npm run redrive` runs, finding the target queue from the redrive policy', async () => {
    // Prepare
    const queues = await queuesWithDeadLetters(3);
    // Act
    const result = runRedriveCli(['--dead-letter-queue', queues.deadLetterQueueUrl]);
    // Assess
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`to ${queues.targetQueueUrl}`);
    expect(result.stdout).toContain('Moved 3 message(s); 0 could not be moved');
    expect(await depth(queues.targetQueueUrl)).toBe(3);
  });

  it('refuses a bad --max with its usage', () => {
    const result = runRedriveCli(['--max', 'ten']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--max must be a positive whole number');
  });
});
