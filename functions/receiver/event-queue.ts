import { messageAttributeNames } from '../../config/contract';
import type { AwsJsonClient } from '../shared/aws-json-client';
import { s3BodyLocation, serializeLargeEventPointer } from '../shared/large-event-pointer';
import type { StoreLargeEvent } from './large-event-store';
import type { QueuedEvent } from './receive-webhook';
import { receiverAwsCallPolicy } from './tuning';

/** One SQS message: its body and its string attributes. */
export interface QueueMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Sends one message; resolves only once the queue has accepted (durably stored) it. */
export type SendToQueue = (message: QueueMessage, signal: AbortSignal) => Promise<void>;

export interface EventQueueOptions {
  /** Sends the message, e.g. {@link sqsSender}. */
  readonly send: SendToQueue;
  /**
   * Where bodies too large for a message go. Without it every body is sent inline, and SQS refuses
   * any above 1 MiB.
   */
  readonly largeEvents?: {
    readonly store: StoreLargeEvent;
    /** Bodies above this many UTF-8 bytes are stored; `largeEventThresholdBytes` in `config/settings.ts`. */
    readonly thresholdBytes: number;
  };
  /**
   * Hard limit on one enqueue, the S3 put and the SQS send together, every retry included.
   * @default receiverAwsCallPolicy.enqueueDeadlineMs
   */
  readonly deadlineMs?: number;
}

export class EnqueueDeadlineError extends Error {
  constructor(deadlineMs: number) {
    super(
      `The event was not accepted within ${deadlineMs} ms (S3 and SQS calls, retries included), so the calls were cancelled and nothing was acknowledged; Stripe will retry.`,
    );
    this.name = 'EnqueueDeadlineError';
  }
}

/**
 * SQS accepts only these characters in a message body (XML 1.0's): a validly signed JSON body holding,
 * say, U+FFFF in a string would be refused on every retry, so such a body goes to S3 like a large one.
 */
const charactersSqsAccepts = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** Whether a body has to be stored in S3 rather than sent inline. */
export function needsLargeEventStore(body: string, thresholdBytes: number): boolean {
  return Buffer.byteLength(body, 'utf8') > thresholdBytes || !charactersSqsAccepts.test(body);
}

/**
 * Queues verified events. A body above the threshold is stored in S3 first, and only once S3 has
 * it is a pointer to it queued, so the 200 that follows is never given for a body that is not durable.
 * If S3 fails nothing is queued and the caller answers 5xx (Stripe retries). If S3 succeeds and SQS then
 * fails, the stored object is left behind unreferenced: the bucket's lifecycle rule expires it, and the
 * retry stores a new one (keys never collide).
 */
export function createEventQueue(options: EventQueueOptions): (event: QueuedEvent) => Promise<void> {
  const deadlineMs = options.deadlineMs ?? receiverAwsCallPolicy.enqueueDeadlineMs;
  return (event) =>
    withDeadline(deadlineMs, async (signal) => {
      const attributes = {
        [messageAttributeNames.eventId]: event.eventId,
        [messageAttributeNames.eventType]: event.eventType,
        [messageAttributeNames.receivedAt]: event.receivedAt,
        [messageAttributeNames.eventPayload]: event.payload,
      };
      const { largeEvents } = options;
      if (largeEvents === undefined || !needsLargeEventStore(event.body, largeEvents.thresholdBytes)) {
        await options.send({ body: event.body, attributes }, signal);
        return;
      }
      const pointer = await largeEvents.store(event, signal);
      await options.send(
        {
          body: serializeLargeEventPointer(pointer),
          attributes: { ...attributes, [messageAttributeNames.bodyLocation]: s3BodyLocation },
        },
        signal,
      );
    });
}

/**
 * Sends messages to one SQS queue with SendMessage, through the receiver's light AWS client
 * (functions/shared/aws-json-client.ts). Like the SDK: to a configured endpoint (`AWS_ENDPOINT_URL_SQS`,
 * else `AWS_ENDPOINT_URL`) when there is one, else to the queue URL's own host. A stack deployed into
 * an emulator has AWS-style queue URLs (`https://sqs.<region>.amazonaws.com/...`) that only the endpoint
 * reaches; in AWS neither variable is set and the URL's host is the regional endpoint.
 */
export function sqsSender(client: AwsJsonClient, queueUrl: string, options: SqsSenderOptions = {}): SendToQueue {
  const env = options.env ?? process.env;
  const configured = (env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL)?.trim();
  const endpoint = new URL(configured || new URL(queueUrl).origin);
  return async (message, signal) => {
    const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {};
    for (const [name, value] of Object.entries(message.attributes)) {
      attributes[name] = { DataType: 'String', StringValue: value };
    }
    const traceHeader = options.traceHeader?.();
    await client(
      {
        service: 'sqs',
        target: 'AmazonSQS.SendMessage',
        jsonVersion: '1.0',
        endpoint,
        payload: {
          QueueUrl: queueUrl,
          MessageBody: message.body,
          MessageAttributes: attributes,
          // What the X-Ray-captured SDK client would add: SQS hands it to the consumer's invocation, which links the traces.
          ...(traceHeader
            ? { MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: traceHeader } } }
            : {}),
        },
      },
      signal,
    );
  };
}

/** Options of {@link sqsSender}. */
export interface SqsSenderOptions {
  /**
   * The X-Ray trace header to send as the message's `AWSTraceHeader` system attribute (Lambda's
   * `_X_AMZN_TRACE_ID` of the current invocation), so the consumer's trace continues the receiver's.
   * @default none: no trace header
   */
  readonly traceHeader?: () => string | undefined;
  /** Where `AWS_ENDPOINT_URL_SQS` and `AWS_ENDPOINT_URL` are read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Sends verified events to SQS; resolves only once SQS has accepted (durably stored) the event. */
export function sqsEventQueue(
  client: AwsJsonClient,
  queueUrl: string,
  options: Omit<EventQueueOptions, 'send'> & SqsSenderOptions = {},
): (event: QueuedEvent) => Promise<void> {
  return createEventQueue({ ...options, send: sqsSender(client, queueUrl, options) });
}

/**
 * Runs `work` with a signal that aborts at the deadline, and rejects at the deadline whatever `work`
 * does: the SDK stops its calls and retries on the signal, and the race bounds the time even if
 * something ignored it.
 */
async function withDeadline<T>(deadlineMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new EnqueueDeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
