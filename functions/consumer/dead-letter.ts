import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { deadLetterAttributeNames } from '../../config/contract';
import { errorSummary, sanitizeErrorText } from '../shared/errors';
import { isHandlerFailedError } from './handler-failure';
import { copiedAttributes } from './requeue';

/** Why an event is in the dead-letter queue, as the consumer wrote it there on its last attempt. */
export interface DeadLetterReason {
  /** The last attempt's error, one line, addresses and secrets taken out: `receipt: invoice.created is missing`. */
  readonly error: string;
  /** The handler that threw, when a handler did (not the claim, the store or the body's read). */
  readonly handler: string | null;
  /** The recorded step it threw in (`email:[address]`), when it threw inside one. */
  readonly step: string | null;
  /** The missing or malformed field, when the error names one. */
  readonly field: string | null;
  /** The attempts made, the last one included (SQS's receive count). */
  readonly attempts: number;
  /** When the last attempt failed (ISO 8601). */
  readonly failedAt: string;
}

/** Longest `last-error` kept: a stack of causes can be long, and every byte counts toward SQS's message size. */
export const maxLastErrorLength = 1024;

function truncated(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= maxLastErrorLength ? line : `${line.slice(0, maxLastErrorLength - 1)}…`;
}

/** The reason to write on the dead-letter message for the error of an event's last attempt. */
export function deadLetterReasonOf(error: unknown, attempts: number, failedAt: Date): DeadLetterReason {
  const failure = isHandlerFailedError(error) ? error : undefined;
  return {
    // A handler's failure says which one in its message; anything else keeps its class name.
    error: truncated(failure === undefined ? errorSummary(error) : sanitizeErrorText(failure.message)),
    handler: failure?.handler ?? null,
    step: failure?.step ?? null,
    field: failure?.field ?? null,
    attempts,
    failedAt: failedAt.toISOString(),
  };
}

/** The dead-letter attributes of a reason, as SendMessage takes them. */
export function deadLetterAttributes(reason: DeadLetterReason): Record<string, MessageAttributeValue> {
  const { error, ...detail } = reason;
  return {
    [deadLetterAttributeNames.lastError]: { DataType: 'String', StringValue: error },
    [deadLetterAttributeNames.lastErrorDetail]: { DataType: 'String', StringValue: JSON.stringify(detail) },
  };
}

/** Message attributes as SQS gives them to a reader: `ReceiveMessage` (StringValue) or a Lambda record (stringValue). */
type ReadAttributes = Readonly<Record<string, { readonly StringValue?: string; readonly stringValue?: string }>>;

/** The reason on a dead-letter message, or undefined for one SQS moved there itself (no reason written). */
export function readDeadLetterReason(attributes: ReadAttributes | undefined): DeadLetterReason | undefined {
  const text = (name: string) => attributes?.[name]?.StringValue ?? attributes?.[name]?.stringValue;
  const error = text(deadLetterAttributeNames.lastError);
  if (error === undefined) return undefined;
  let detail: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text(deadLetterAttributeNames.lastErrorDetail) ?? '{}') as unknown;
    if (typeof parsed === 'object' && parsed !== null) detail = parsed as Record<string, unknown>;
  } catch {
    // A detail written by hand or cut short: the error line alone still says why.
  }
  const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    error,
    handler: stringOrNull(detail.handler),
    step: stringOrNull(detail.step),
    field: stringOrNull(detail.field),
    attempts: typeof detail.attempts === 'number' ? detail.attempts : 0,
    failedAt: stringOrNull(detail.failedAt) ?? '',
  };
}

/** Where the consumer dead-letters an event itself: the queue, and the attempt that is the last. */
export interface DeadLetterTarget {
  /** The receive count at which SQS would move the message on its next receive: the queue's `maxReceiveCount`. */
  readonly maxReceiveCount: number;
  /** Sends the record's message (its body, for a large event the S3 pointer, and its attributes) with the reason. */
  readonly send: (record: SQSRecord, reason: DeadLetterReason) => Promise<void>;
}

/**
 * Sends a copy of the record to the dead-letter queue with the reason as attributes. SQS's own redrive
 * moves a message unchanged, so the consumer does it on the last attempt and then deletes the original;
 * if this send fails, the record is reported failed and SQS's redrive moves it anyway, without a reason.
 */
export function sqsDeadLetter(client: SQSClient, deadLetterQueueUrl: string) {
  return async (record: SQSRecord, reason: DeadLetterReason): Promise<void> => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: { ...copiedAttributes(record), ...deadLetterAttributes(reason) },
      }),
    );
  };
}
