/**
 * Lambda's SQS event source, emulated for the local pipeline: batches of `consumerBatchSize` go to the
 * real consumer (or the billing sync function), only the records it reports successful are deleted,
 * and an invocation that throws fails its whole batch; failed messages come back after the visibility
 * timeout and SQS itself moves them to the dead-letter queue after `maxReceiveCount`. Delayed messages
 * (`DelaySeconds`) are received once SQS makes them visible, as Lambda receives them.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { PipelineSettings } from '../../config/settings';
import type { EventLog } from './event-log';
import { lambdaContext, sqsRecord } from './lambda-shapes';
import { localClientConfig } from './resources';

export interface SqsPollerOptions {
  readonly emulatorEndpoint: string;
  readonly queueUrl: string;
  readonly settings: Pick<PipelineSettings, 'consumerBatchSize' | 'consumerTimeoutSeconds'>;
  /** The function the queue triggers. */
  readonly consumer: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  /** Its name, in its Lambda context and in the lines printed when it throws. @default 'consumer' */
  readonly functionName?: string;
  readonly log: Pick<EventLog, 'print' | 'noteReceiveCount' | 'forgetReceiveCount'>;
  /** Told of every record the function failed (it comes back after the visibility timeout, or goes to the DLQ). */
  readonly onFailedRecord?: (record: SQSRecord) => void;
}

export interface SqsPoller {
  /** Takes no new batch; resolves once the batch in hand is done. */
  stop(): Promise<void>;
}

/** Reads the queue's ARN (the records carry it, as in Lambda), then polls until stopped. */
export async function startSqsPoller(options: SqsPollerOptions): Promise<SqsPoller> {
  const { queueUrl, settings, consumer, log } = options;
  const functionName = options.functionName ?? 'consumer';
  const sqs = new SQSClient(localClientConfig(options.emulatorEndpoint));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn ?? '';
  let stopping = false;

  async function pollOnce(): Promise<void> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: settings.consumerBatchSize,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return;
    const records = Messages.map((message) => sqsRecord(message, queueArn));
    for (const record of records)
      log.noteReceiveCount(record.messageId, Number(record.attributes.ApproximateReceiveCount));
    let failed: Set<string>;
    try {
      const result = await consumer({ Records: records }, lambdaContext(functionName, settings.consumerTimeoutSeconds));
      failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch (error) {
      // As in Lambda, an invocation that throws fails its whole batch.
      log.print(`✖ ${functionName} invocation failed: ${String(error)}`);
      failed = new Set(records.map((record) => record.messageId));
    }
    const done = Messages.filter((message) => !failed.has(message.MessageId ?? ''));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    for (const record of records) {
      if (failed.has(record.messageId)) options.onFailedRecord?.(record);
      log.forgetReceiveCount(record.messageId);
    }
  }

  const polling = (async () => {
    while (!stopping) {
      try {
        await pollOnce();
      } catch (error) {
        if (stopping) break;
        log.print(`✖ polling the ${functionName}'s queue failed: ${String(error)}; retrying in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    async stop() {
      stopping = true;
      await polling;
      sqs.destroy();
    },
  };
}
