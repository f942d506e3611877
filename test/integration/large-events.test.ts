import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { largeEventKeyPrefix, messageAttributeNames } from '../../config/contract';
import { resolveSettings } from '../../config/settings';
import {
  queuedEventBodyResolver,
  StoredBodyMissingError,
  s3StoredBodyReader,
} from '../../functions/consumer/queued-event-body';
import { sqsEventQueue } from '../../functions/receiver/event-queue';
import { s3LargeEventStore, s3LocationFromEnvironment } from '../../functions/receiver/large-event-store';
import { largeEventThresholdBytes, receiverAwsCallPolicy } from '../../functions/receiver/tuning';
import {
  createAwsHttpClient,
  createAwsJsonClient,
  environmentCredentials,
} from '../../functions/shared/aws-json-client';
import { lambdaContext, sqsRecord } from '../../tools/local/lambda-shapes';
import { type LocalPipeline, startLocalPipeline } from '../../tools/local/pipeline';
import { localClientConfig, localS3ClientConfig } from '../../tools/local/resources';
import { buildStripeEvent, testObjectId, toStripeWebhookBody } from '../../tools/stripe-events';
import { localPipelineClient, sesMessagesTo } from '../support/local-pipeline-client';
import { requireMotoEndpoint } from '../support/wait-for';

const signingSecret = 'whsec_large_events_test_secret_not_real';
const endpoint = requireMotoEndpoint();
const settings = resolveSettings({ stage: 'local' });
const s3 = new S3Client(localS3ClientConfig(endpoint));
const sqs = new SQSClient(localClientConfig(endpoint));
jest.setTimeout(60_000);
let pipeline: LocalPipeline;
const printed: string[] = [];

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    port: 0,
    signingSecret,
    emulatorEndpoint: endpoint,
    settings,
    // Own queue, table, secret and bucket: local-pipeline.test.ts polls the default ones on the same moto.
    resourceNameSuffix: 'large-events',
    visibilityTimeoutSeconds: 1,
    print: (line) => printed.push(line),
  });
});
afterAll(async () => {
  await pipeline.stop();
  s3.destroy();
  sqs.destroy();
});

/** A signed-as-Stripe-sends-it invoice.paid body of exactly `bytes` UTF-8 bytes, padded through its description. */
function invoicePaidBody(bytes: number, email: string, filler = 'x'): { id: string; body: string } {
  const id = testObjectId('evt');
  const created = Math.floor(Date.now() / 1000);
  const build = (description: string) =>
    toStripeWebhookBody(
      buildStripeEvent('invoice.paid', { id, created, object: { customer_email: email, description } }),
    );
  const missing = bytes - Buffer.byteLength(build(''));
  const fillerBytes = Buffer.byteLength(filler);
  const padding = filler.repeat(Math.floor(missing / fillerBytes)) + 'x'.repeat(missing % fillerBytes);
  const body = build(padding);
  if (Buffer.byteLength(body) !== bytes) throw new Error(`built ${Buffer.byteLength(body)} bytes, not ${bytes}`);
  return { id, body };
}

const client = localPipelineClient(() => pipeline, signingSecret);
const { post } = client;
const processed = (id: string) => client.eventWhen(id, (event) => event.status === 'processed');
const emailsFor = async (id: string) => (await client.emails()).filter((email) => email.eventId === id);

/** Every object stored for the event id, with its bytes. */
async function storedBodies(eventId: string): Promise<{ key: string; bytes: Buffer }[]> {
  const { Contents = [] } = await s3.send(
    new ListObjectsV2Command({ Bucket: pipeline.resources.largeEventBucket, Prefix: largeEventKeyPrefix }),
  );
  const keys = Contents.map((object) => object.Key ?? '').filter((key) => key.split('/')[2] === eventId);
  return Promise.all(
    keys.map(async (key) => {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: pipeline.resources.largeEventBucket, Key: key }));
      return { key, bytes: Buffer.from((await Body?.transformToByteArray()) ?? []) };
    }),
  );
}

const keyLayout = (eventId: string) =>
  new RegExp(`^${largeEventKeyPrefix}\\d{4}-\\d{2}-\\d{2}/${eventId}/[0-9a-f-]{36}\\.json$`);

describe('large events through the local pipeline, on moto', () => {
  it('accepts a 1.5 MB event, stores its exact bytes in S3 and sends exactly one receipt', async () => {
    // Prepare: multi-byte text, so that bytes and characters differ
    const email = 'large.invoice@example.com';
    const { id, body } = invoicePaidBody(1_500_000, email, 'Zoë — 株式会社 · ');
    // Act
    const response = await post(body);
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, id });
    await processed(id);
    const stored = await storedBodies(id);
    expect(stored.map((object) => object.key)).toEqual([expect.stringMatching(keyLayout(id))]);
    expect(stored[0]?.bytes.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect((await emailsFor(id)).map((mail) => mail.to)).toEqual([email]);
    expect(await sesMessagesTo(endpoint, email)).toHaveLength(1);
  });

  it('queues a body of exactly the threshold inline: processed, and nothing stored', async () => {
    // Prepare
    const email = 'at.threshold@example.com';
    const { id, body } = invoicePaidBody(largeEventThresholdBytes, email);
    // Act
    expect((await post(body)).status).toBe(200);
    // Assess
    await processed(id);
    expect(await storedBodies(id)).toEqual([]);
    expect(await emailsFor(id)).toHaveLength(1);
  });

  it('stores a body one byte over the threshold in S3, and processes it', async () => {
    // Prepare
    const email = 'over.threshold@example.com';
    const { id, body } = invoicePaidBody(largeEventThresholdBytes + 1, email);
    // Act
    expect((await post(body)).status).toBe(200);
    // Assess
    await processed(id);
    const stored = await storedBodies(id);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.bytes.toString('utf8')).toBe(body);
    expect(await emailsFor(id)).toHaveLength(1);
  });

  it('fails a record whose stored body is gone, and says what to check', async () => {
    // Prepare: a pointer message as the receiver queues it, to a key that does not exist
    const { handler } = await import('../../functions/consumer/handler');
    const id = testObjectId('evt');
    const record = sqsRecord(
      {
        MessageId: `missing-${id}`,
        Body: JSON.stringify({
          bucket: pipeline.resources.largeEventBucket,
          key: `events/2026-01-01/${id}/x.json`,
          bytes: 10,
        }),
        MessageAttributes: {
          [messageAttributeNames.eventId]: { DataType: 'String', StringValue: id },
          [messageAttributeNames.eventType]: { DataType: 'String', StringValue: 'invoice.paid' },
          [messageAttributeNames.bodyLocation]: { DataType: 'String', StringValue: 's3' },
        },
      },
      'arn:aws:sqs:us-east-1:123456789012:test',
    );
    // Act
    const response = await handler({ Records: [record] }, lambdaContext('consumer', settings.consumerTimeoutSeconds));
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: `missing-${id}` }]);
    expect(printed.find((line) => line.includes(id))).toMatch(
      /StoredBodyMissingError: .*missing or not readable.*s3:GetObject/,
    );
  });
});

describe('the receiver queue and the consumer body resolver, on moto', () => {
  it('queue a small pointer with the event attributes and read the exact body back', async () => {
    // Prepare: a queue that no pipeline polls, so that the message can be read as queued
    const { QueueUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'stripe-webhooks-local-pointer-check' }),
    );
    const bucket = pipeline.resources.largeEventBucket;
    // The receiver's own SQS client, as deployed.
    const awsOptions = {
      region: 'us-east-1',
      credentials: () => environmentCredentials(),
      policy: receiverAwsCallPolicy,
    };
    const receiverAws = createAwsJsonClient(awsOptions);
    const s3Store = s3LargeEventStore(createAwsHttpClient(awsOptions), bucket, () =>
      s3LocationFromEnvironment('us-east-1', { AWS_ENDPOINT_URL: endpoint }),
    );
    const enqueue = sqsEventQueue(receiverAws, QueueUrl, {
      largeEvents: { store: s3Store, thresholdBytes: largeEventThresholdBytes },
    });
    const { id, body } = invoicePaidBody(400_000, 'pointer@example.com', '€');
    try {
      // Act
      await enqueue({
        body,
        eventId: id,
        eventType: 'invoice.paid',
        payload: 'snapshot',
        receivedAt: '2026-11-22T10:00:00.000Z',
      });
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
      );
      // Assess
      expect(Messages).toHaveLength(1);
      const [message] = Messages;
      if (message === undefined) throw new Error('no message');
      expect(Buffer.byteLength(message.Body ?? '')).toBeLessThan(300);
      const attributes = Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
      );
      expect(attributes).toEqual({
        [messageAttributeNames.eventId]: id,
        [messageAttributeNames.eventType]: 'invoice.paid',
        [messageAttributeNames.receivedAt]: '2026-11-22T10:00:00.000Z',
        [messageAttributeNames.eventPayload]: 'snapshot',
        [messageAttributeNames.bodyLocation]: 's3',
      });
      expect(JSON.parse(message.Body ?? '')).toEqual({
        bucket,
        key: expect.stringMatching(new RegExp(`^events/2026-11-22/${id}/`)),
        bytes: Buffer.byteLength(body),
      });
      const resolve = queuedEventBodyResolver(s3StoredBodyReader(s3), bucket);
      expect(await resolve(sqsRecord(message, 'arn:aws:sqs:us-east-1:123456789012:pointer-check'))).toBe(body);
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });

  it('reports a missing object as StoredBodyMissingError', async () => {
    // Prepare
    const read = s3StoredBodyReader(s3);
    const pointer = { bucket: pipeline.resources.largeEventBucket, key: 'events/2026-01-01/evt_gone/x.json', bytes: 1 };
    // Act + Assess
    await expect(read(pointer)).rejects.toThrow(StoredBodyMissingError);
    await expect(read(pointer)).rejects.toThrow(/NoSuchKey/);
  });

  it('reports AccessDenied, which S3 answers for a missing key without s3:ListBucket, as StoredBodyMissingError', async () => {
    // Prepare: an S3 endpoint that refuses like S3 does for a role with s3:GetObject only
    const server: Server = createServer((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const denying = new S3Client(localS3ClientConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    try {
      // Act
      const outcome = s3StoredBodyReader(denying)({ bucket: 'b', key: 'events/2026-01-01/evt_1/x.json', bytes: 1 });
      // Assess
      await expect(outcome).rejects.toThrow(StoredBodyMissingError);
      await expect(outcome).rejects.toThrow(/AccessDenied/);
    } finally {
      denying.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
