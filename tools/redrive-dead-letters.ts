import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { deadLetterAttributeNames, messageAttributeNames } from '../config/contract';
import { readDeadLetterReason } from '../functions/consumer/dead-letter';

export interface RedriveOptions {
  readonly sqs: SQSClient;
  readonly deadLetterQueueUrl: string;
  readonly targetQueueUrl: string;
  /** List what would move, move nothing. */
  readonly dryRun: boolean;
  /** Move at most this many messages. */
  readonly max: number;
  readonly print: (line: string) => void;
}

export interface RedriveSummary {
  readonly moved: number;
  readonly failed: number;
  /** Messages seen in dry-run mode (nothing moved). */
  readonly listed: number;
}

/** While a message is being moved (or listed), no other reader of the dead-letter queue gets it. */
const inFlightSeconds = 60;

function describe(message: Message): string {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue ?? '?';
  return `${attribute(messageAttributeNames.eventType)} [${attribute(messageAttributeNames.eventId)}]`;
}

/** Why the message is in the dead-letter queue, as the consumer wrote it on its last attempt. */
function describeReason(message: Message): string {
  const reason = readDeadLetterReason(message.MessageAttributes);
  if (reason === undefined) return 'no reason recorded (moved by SQS itself: see the consumer logs)';
  const context = [
    reason.attempts > 0 ? `attempt ${reason.attempts}` : '',
    reason.failedAt === '' ? '' : `at ${reason.failedAt}`,
  ].filter((part) => part !== '');
  return context.length === 0 ? reason.error : `${reason.error} (${context.join(', ')})`;
}

const deadLetterOnly = new Set<string>(Object.values(deadLetterAttributeNames));

/** The message's attributes but the dead-letter reason: a later failure writes a fresh one. */
function copyAttributes(message: Message): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (deadLetterOnly.has(name)) continue;
    attributes[name] = { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue };
  }
  return attributes;
}

/**
 * Moves messages from the dead-letter queue back to the queue the consumer reads, one at a time:
 * the copy is sent first and the original deleted only afterwards, so a failure can leave a
 * duplicate (which the consumer's idempotency absorbs) but never loses a message. An event that was
 * already processed is skipped by the consumer, so replaying is safe.
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveSummary> {
  const { sqs, print } = options;
  let moved = 0;
  let failed = 0;
  const listedHandles: string[] = [];
  const seen = new Set<string>();

  while (moved + listedHandles.length < options.max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, options.max - moved - listedHandles.length),
        WaitTimeSeconds: 1,
        VisibilityTimeout: inFlightSeconds,
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh = Messages.filter((message) => !seen.has(message.MessageId ?? ''));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.MessageId ?? '');
      if (options.dryRun) {
        listedHandles.push(message.ReceiptHandle ?? '');
        print(`  would move ${describe(message)}\n    last error: ${describeReason(message)}`);
        continue;
      }
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: options.targetQueueUrl,
            MessageBody: message.Body ?? '',
            MessageAttributes: copyAttributes(message),
          }),
        );
      } catch (error) {
        failed += 1;
        print(`  ✖ could not move ${describe(message)}: ${String(error)} (it stays in the dead-letter queue)`);
        continue;
      }
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: options.deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      moved += 1;
      print(`  moved ${moved}: ${describe(message)}`);
    }
  }

  // A dry run hid the messages while listing them; make them visible again at once.
  for (let start = 0; start < listedHandles.length; start += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.deadLetterQueueUrl,
        Entries: listedHandles
          .slice(start, start + 10)
          .map((handle, index) => ({ Id: String(start + index), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      }),
    );
  }
  return { moved, failed, listed: listedHandles.length };
}
