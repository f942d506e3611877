/**
 * When a handler fails for good, the failure says why (issue 21, item 4): the error names the handler,
 * the step and the field, and on the last attempt the consumer puts the event on the dead-letter queue
 * itself with that reason as message attributes.
 */
import type { SendMessageCommand, SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { deadLetterAttributeNames, envVarNames, messageAttributeNames } from '../../config/contract';
import { type ConsumerDependencies, consumeEvent, type HandlerContext } from '../../functions/consumer/consume-event';
import { readConsumerConfig } from '../../functions/consumer/consumer-config';
import { createConsumerHandler } from '../../functions/consumer/create-handler';
import {
  type DeadLetterReason,
  deadLetterAttributes,
  deadLetterReasonOf,
  maxLastErrorLength,
  readDeadLetterReason,
  sqsDeadLetter,
} from '../../functions/consumer/dead-letter';
import { buildRegistry, defineSubscriptions } from '../../functions/consumer/define-subscriptions';
import { builtInEmails } from '../../functions/consumer/emails/built-in-emails';
import { EventRegistry } from '../../functions/consumer/event-registry';
import { HandlerFailedError, MissingFieldError } from '../../functions/consumer/handler-failure';
import { SendRateExceededError } from '../../functions/consumer/paced-mailer';
import { processRecord } from '../../functions/consumer/process-record';
import { copiedAttributes } from '../../functions/consumer/requeue';
import { MissingEnvironmentVariableError } from '../../functions/shared/env';
import { s3BodyLocation } from '../../functions/shared/large-event-pointer';
import { buildConsumerSqsEvent } from '../../tools/receiver-events';
import { buildStripeEvent, defaultCustomerEmail } from '../../tools/stripe-events';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';
import { captureStdio } from '../support/receiver-fakes';

const now = new Date('2026-12-06T18:00:00Z');

function dependencies(registry: EventRegistry<HandlerContext>, mailer = new RecordingMailer()): ConsumerDependencies {
  return {
    registry,
    store: new InMemoryIdempotencyStore(),
    mailer,
    logger: new RecordingLogger(),
    now: () => now,
    inProgressExpirySeconds: 60,
    retentionDays: 30,
  };
}

const invoicePaid = () => JSON.stringify(buildStripeEvent('invoice.paid'));

async function failureOf(promise: Promise<unknown>): Promise<HandlerFailedError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof HandlerFailedError)) throw new Error(`expected a HandlerFailedError, got ${String(error)}`);
  return error;
}

describe('a failing handler is named, with its step and field', () => {
  it('names the handler and the missing field: "receipt: invoice.created is missing"', async () => {
    // Prepare: a team's receipt that needs the invoice's date, as a named function
    const registry = new EventRegistry<HandlerContext>().on('invoice.paid', async function receipt(event) {
      if (typeof event.data.object.created !== 'number') throw new MissingFieldError('invoice.created');
    });
    const event = buildStripeEvent('invoice.paid') as unknown as { data: { object: Record<string, unknown> } };
    delete event.data.object.created;
    // Act
    const failure = await failureOf(consumeEvent(JSON.stringify(event), dependencies(registry)));
    // Assess
    expect(failure.message).toBe('receipt: invoice.created is missing');
    expect(failure).toMatchObject({ handler: 'receipt', field: 'invoice.created', eventType: 'invoice.paid' });
    expect(failure.step).toBeUndefined();
    expect(failure.cause).toBeInstanceOf(MissingFieldError);
  });

  it('says a malformed field is malformed', () => {
    expect(new MissingFieldError('invoice.created', 'not a timestamp').message).toBe(
      'invoice.created is malformed: not a timestamp',
    );
  });

  it('names an inline handler by its event type, and by its position when the type has several', async () => {
    // Prepare
    const one = new EventRegistry<HandlerContext>().on('invoice.paid', async () => {
      throw new RangeError('Invalid time value');
    });
    const two = new EventRegistry<HandlerContext>()
      .on('invoice.paid', async () => undefined)
      .on('invoice.paid', async () => {
        throw new RangeError('Invalid time value');
      });
    // Act
    const alone = await failureOf(consumeEvent(invoicePaid(), dependencies(one)));
    const second = await failureOf(consumeEvent(invoicePaid(), dependencies(two)));
    // Assess: the error's class stays in the message
    expect(alone.message).toBe('invoice.paid handler: RangeError: Invalid time value');
    expect(second.message).toBe('invoice.paid handler #2: RangeError: Invalid time value');
  });

  it('names a built-in email and the step it failed in, without the recipient, the cause kept', async () => {
    // Prepare: SES fails the receipt's send
    const mailer = new RecordingMailer();
    mailer.failNext = 1;
    const registry = buildRegistry(defineSubscriptions((_on, { include }) => include(builtInEmails())));
    // Act
    const failure = await failureOf(consumeEvent(invoicePaid(), dependencies(registry, mailer)));
    // Assess
    expect(failure.handler).toBe('receipt');
    expect(failure.step).toBe('email:[address]');
    expect(failure.message).toMatch(/^receipt \(step email:\[address\]\): Error: /);
    expect(failure.message).not.toContain(defaultCustomerEmail);
    expect(failure.field).toBeUndefined();
  });

  it('keeps a throttled send a throttled send: the record is requeued, not retried', async () => {
    // Prepare
    const mailer = new RecordingMailer();
    mailer.send = async () => {
      throw new SendRateExceededError(1000);
    };
    const registry = buildRegistry(defineSubscriptions((_on, { include }) => include(builtInEmails())));
    // Act
    const decision = await processRecord(invoicePaid(), 0, dependencies(registry, mailer));
    // Assess
    expect(decision.kind).toBe('requeue');
  });
});

describe('the dead-letter reason', () => {
  it('is the failure, its handler, step and field, the attempts and the time', () => {
    // Prepare
    const failure = new HandlerFailedError(
      { handler: 'receipt', eventType: 'invoice.paid', field: 'invoice.created' },
      new MissingFieldError('invoice.created'),
    );
    // Act
    const reason = deadLetterReasonOf(failure, 5, now);
    // Assess
    expect(reason).toEqual<DeadLetterReason>({
      error: 'receipt: invoice.created is missing',
      handler: 'receipt',
      step: null,
      field: 'invoice.created',
      attempts: 5,
      failedAt: '2026-12-06T18:00:00.000Z',
    });
    expect(readDeadLetterReason(deadLetterAttributes(reason))).toEqual(reason);
  });

  it('recognises a failure made by a second copy of the package in the bundle', () => {
    // Prepare: not an instance of this copy's class, but its name and shape
    const foreign = Object.assign(new Error('receipt: invoice.created is missing'), {
      name: 'HandlerFailedError',
      handler: 'receipt',
      field: 'invoice.created',
    });
    // Act
    const reason = deadLetterReasonOf(foreign, 5, now);
    // Assess
    expect(reason).toMatchObject({ error: 'receipt: invoice.created is missing', handler: 'receipt' });
  });

  it('keeps the class of an error outside any handler, one line, sanitised and cut to a safe length', () => {
    // Prepare
    const long = new Error(`DynamoDB is down for ${defaultCustomerEmail}\n${'x'.repeat(5000)}`);
    // Act
    const reason = deadLetterReasonOf(long, 3, now);
    // Assess
    expect(reason.error.startsWith('Error: DynamoDB is down for [address] x')).toBe(true);
    expect(reason.error).toHaveLength(maxLastErrorLength);
    expect(reason.handler).toBeNull();
  });

  it("fits in SQS's 10 attributes beside every attribute the pipeline sets", () => {
    expect(
      Object.keys(messageAttributeNames).length + Object.keys(deadLetterAttributeNames).length,
    ).toBeLessThanOrEqual(10);
  });

  it('is not carried on by a requeued copy (a message SQS moved back keeps its old reason)', () => {
    // Prepare
    const record = buildConsumerSqsEvent(invoicePaid()).Records[0] as SQSRecord;
    record.messageAttributes[deadLetterAttributeNames.lastError] = {
      stringValue: 'old',
      dataType: 'String',
      stringListValues: [],
      binaryListValues: [],
    };
    // Act
    const copied = copiedAttributes(record);
    // Assess
    expect(Object.keys(copied)).toContain(messageAttributeNames.eventId);
    expect(Object.keys(copied)).not.toContain(deadLetterAttributeNames.lastError);
  });
});

describe('sqsDeadLetter', () => {
  it("sends a large event's S3 pointer and attributes as they came, the old reason replaced by the new", async () => {
    // Prepare: a pointer body, and an old reason from an earlier dead-lettering (moved back by SQS's own redrive)
    const pointer = JSON.stringify({ bucket: 'large-events', key: 'events/evt_big.json', size: 300_000 });
    const record = buildConsumerSqsEvent(invoicePaid()).Records[0] as SQSRecord;
    const attribute = (stringValue: string) => ({
      stringValue,
      dataType: 'String',
      stringListValues: [],
      binaryListValues: [],
    });
    const given = {
      ...record,
      body: pointer,
      messageAttributes: {
        ...record.messageAttributes,
        [messageAttributeNames.bodyLocation]: attribute(s3BodyLocation),
        [deadLetterAttributeNames.lastError]: attribute('an old reason'),
      },
    };
    const inputs: SendMessageCommandInput[] = [];
    const client = {
      send: async (command: SendMessageCommand) => {
        inputs.push(command.input);
        return {};
      },
    } as unknown as SQSClient;
    const reason = deadLetterReasonOf(new Error('boom'), 5, now);
    // Act
    await sqsDeadLetter(client, 'https://sqs.example/dead-letter')(given, reason);
    // Assess
    expect(inputs).toHaveLength(1);
    expect(inputs[0]?.QueueUrl).toBe('https://sqs.example/dead-letter');
    expect(inputs[0]?.MessageBody).toBe(pointer);
    expect(inputs[0]?.MessageAttributes?.[messageAttributeNames.bodyLocation]?.StringValue).toBe(s3BodyLocation);
    expect(inputs[0]?.MessageAttributes?.[deadLetterAttributeNames.lastError]?.StringValue).toBe('Error: boom');
    expect(readDeadLetterReason(inputs[0]?.MessageAttributes)).toEqual(reason);
  });
});

describe('the consumer on the last attempt', () => {
  const env = {
    [envVarNames.idempotencyTableName]: 'idempotency',
    [envVarNames.senderAddress]: 'receipts@example.org',
    [envVarNames.largeEventBucketName]: 'large-events',
    [envVarNames.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/events',
    [envVarNames.deadLetterQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/events-dead-letter',
    [envVarNames.maxReceiveCount]: '3',
    [envVarNames.stage]: 'test',
    POWERTOOLS_SERVICE_NAME: 'stripe-webhook-consumer',
  };
  const context = { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'req-1' } as unknown as Context;
  const failing = defineSubscriptions((on) => {
    on('invoice.paid', async function receipt() {
      throw new MissingFieldError('invoice.created');
    });
  });

  async function run(receiveCount: number, send: (record: SQSRecord, reason: DeadLetterReason) => Promise<void>) {
    const handler = createConsumerHandler(failing, env, {
      store: new InMemoryIdempotencyStore(),
      mailer: new RecordingMailer(),
      now: () => now,
      resolveBody: async (record) => record.body,
      requeue: async () => undefined,
      sendToDeadLetterQueue: send,
    });
    const record = buildConsumerSqsEvent(invoicePaid()).Records[0] as SQSRecord;
    record.attributes.ApproximateReceiveCount = String(receiveCount);
    const stdio = captureStdio();
    try {
      const response = await handler({ Records: [record] }, context);
      const logs = stdio
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      return { record, response, logs };
    } finally {
      stdio.restore();
    }
  }

  it('needs the maxReceiveCount beside the dead-letter queue, and says which variable to set', () => {
    // Prepare
    const { [envVarNames.maxReceiveCount]: _unset, ...withoutCount } = env;
    // Act
    const read = () => readConsumerConfig(withoutCount);
    // Assess
    expect(read).toThrow(MissingEnvironmentVariableError);
    expect(read).toThrow(envVarNames.maxReceiveCount);
    expect(readConsumerConfig(env).deadLetter).toEqual({
      queueUrl: env[envVarNames.deadLetterQueueUrl],
      maxReceiveCount: 3,
    });
  });

  it('sends the event to the dead-letter queue with the reason, and reports the record done', async () => {
    // Prepare
    const sent: { record: SQSRecord; reason: DeadLetterReason }[] = [];
    // Act
    const { record, response, logs } = await run(3, async (given, reason) => {
      sent.push({ record: given, reason });
    });
    // Assess: the original is deleted, its copy has the body and the reason, and the log says so
    expect(response.batchItemFailures).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        outcome: 'dead_lettered',
        error: 'receipt: invoice.created is missing',
        handler: 'receipt',
        field: 'invoice.created',
      }),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]?.record.body).toBe(record.body);
    expect(sent[0]?.reason).toMatchObject({
      error: 'receipt: invoice.created is missing',
      handler: 'receipt',
      field: 'invoice.created',
      attempts: 3,
    });
  });

  it('leaves earlier attempts to SQS: failed, retried, nothing sent', async () => {
    // Prepare
    const sent: unknown[] = [];
    // Act
    const { record, response } = await run(2, async (given) => {
      sent.push(given);
    });
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(sent).toEqual([]);
  });

  it('reports the record failed when the dead-letter queue cannot be reached, so SQS moves it (nothing lost)', async () => {
    // Act
    const { record, response, logs } = await run(3, async () => {
      throw new Error('SQS is unavailable');
    });
    // Assess
    expect(logs.map((line) => line.message)).toContain(
      'Could not put the failed event on the dead-letter queue; SQS moves it there without its reason',
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
  });
});
