import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import Stripe from 'stripe';
import { messageAttributeNames } from '../../config/contract';
import {
  buildConsumerSqsEvent,
  buildHttpApiEvent,
  buildRestApiEvent,
  formatEventJson,
  ReceiverEventError,
  receiverEventBody,
  resignReceiverEvent,
} from '../../tools/receiver-events';
import { buildStripeEvent, signStripePayload, toStripeWebhookBody } from '../../tools/stripe-events';

const secret = 'whsec_sign_events_test_secret';
const tenMinutesAgo = () => new Date(Date.now() - 10 * 60 * 1000);

function signedBody() {
  const event = buildStripeEvent('invoice.paid');
  const body = toStripeWebhookBody(event);
  return { event, body, staleSignature: signStripePayload(body, secret, Math.floor(tenMinutesAgo().getTime() / 1000)) };
}

function verify(body: string | Buffer, header: string | undefined) {
  return Stripe.webhooks.constructEvent(body, header ?? '', secret);
}

describe('resignReceiverEvent', () => {
  it('gives an HTTP API event a fresh signature that stripe accepts, keeping the body', () => {
    // Prepare: an event captured ten minutes ago, whose signature stripe already refuses
    const { event, body, staleSignature } = signedBody();
    const stale = buildHttpApiEvent(body, staleSignature, tenMinutesAgo());
    expect(() => verify(body, stale.headers['stripe-signature'])).toThrow(/tolerance/);

    // Act
    const fresh = resignReceiverEvent(stale, secret, new Date());

    // Assess
    expect(fresh.body).toBe(body);
    expect(verify(fresh.body ?? '', fresh.headers['stripe-signature']).id).toBe(event.id);
    expect(fresh.requestContext.timeEpoch).toBeGreaterThan(stale.requestContext.timeEpoch);
    expect(stale.headers['stripe-signature']).toBe(staleSignature);
  });

  it('replaces the REST API header whatever its case, in both header maps', () => {
    // Prepare
    const { body, staleSignature } = signedBody();
    const stale = buildRestApiEvent(body, staleSignature, tenMinutesAgo());

    // Act
    const fresh = resignReceiverEvent(stale, secret, Date.now());

    // Assess
    const signatureHeaders = Object.keys(fresh.headers).filter((name) => name.toLowerCase() === 'stripe-signature');
    expect(signatureHeaders).toEqual(['Stripe-Signature']);
    expect(() => verify(body, fresh.headers['Stripe-Signature'])).not.toThrow();
    expect(fresh.multiValueHeaders['Stripe-Signature']).toEqual([fresh.headers['Stripe-Signature']]);
    expect(fresh.requestContext.requestTimeEpoch).toBeGreaterThan(stale.requestContext.requestTimeEpoch);
  });

  it('signs the decoded bytes of a base64-encoded body', () => {
    // Prepare
    const { event, body, staleSignature } = signedBody();
    const stale: APIGatewayProxyEventV2 = {
      ...buildHttpApiEvent(body, staleSignature, tenMinutesAgo()),
      body: Buffer.from(body, 'utf8').toString('base64'),
      isBase64Encoded: true,
    };

    // Act
    const fresh = resignReceiverEvent(stale, secret);

    // Assess
    expect(fresh.body).toBe(stale.body);
    const bytes = Buffer.from(fresh.body ?? '', 'base64');
    expect(verify(bytes, fresh.headers['stripe-signature']).id).toBe(event.id);
  });

  it('refuses a body that is not UTF-8, and an event without body', () => {
    // Prepare
    const { body, staleSignature } = signedBody();
    const binary: APIGatewayProxyEventV2 = {
      ...buildHttpApiEvent(body, staleSignature),
      body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'),
      isBase64Encoded: true,
    };
    const empty: APIGatewayProxyEvent = { ...buildRestApiEvent(body, staleSignature), body: null };

    // Act
    const resignBinary = () => resignReceiverEvent(binary, secret);
    const resignEmpty = () => resignReceiverEvent(empty, secret);

    // Assess
    expect(resignBinary).toThrow(ReceiverEventError);
    expect(resignBinary).toThrow(/not UTF-8/);
    expect(resignEmpty).toThrow(/has no body to sign/);
  });

  it('refuses a clock in seconds instead of milliseconds', () => {
    // Prepare
    const { body, staleSignature } = signedBody();
    const event = buildHttpApiEvent(body, staleSignature);

    // Act
    const resign = () => resignReceiverEvent(event, secret, Math.floor(Date.now() / 1000));

    // Assess
    expect(resign).toThrow(/milliseconds since the epoch/);
  });
});

describe('buildConsumerSqsEvent', () => {
  it('wraps the raw body in an SQS record like Lambda delivers it', () => {
    // Prepare
    const { event, body } = signedBody();
    const now = new Date();

    // Act
    const sqsEvent = buildConsumerSqsEvent(body, now);

    // Assess
    const [record] = sqsEvent.Records;
    expect(record).toMatchObject({
      body,
      md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:stripe-webhooks-local-events',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(now.getTime()) },
    });
    expect(record?.messageAttributes[messageAttributeNames.eventId]).toEqual({
      stringValue: event.id,
      stringListValues: [],
      binaryListValues: [],
      dataType: 'String',
    });
    expect(record?.messageAttributes[messageAttributeNames.eventType]?.stringValue).toBe('invoice.paid');
    expect(record?.messageAttributes[messageAttributeNames.receivedAt]?.stringValue).toBe(now.toISOString());
  });
});

describe('captured events in events/', () => {
  const read = <T>(name: string): T =>
    JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', name), 'utf8')) as T;

  it('carry one Stripe event that re-signs into a valid signature', () => {
    // Prepare
    const httpApi = read<APIGatewayProxyEventV2>('receiver-http-api-v2.json');
    const restApi = read<APIGatewayProxyEvent>('receiver-rest-api-v1.json');
    const sqs = read<SQSEvent>('consumer-sqs.json');

    // Act
    const fresh = resignReceiverEvent(httpApi, secret);

    // Assess
    const body = receiverEventBody(httpApi);
    expect(receiverEventBody(restApi)).toBe(body);
    expect(sqs.Records[0]?.body).toBe(body);
    expect(verify(body, fresh.headers['stripe-signature']).type).toBe('invoice.paid');
    expect(httpApi).toMatchObject({ routeKey: 'POST /webhook', rawPath: '/webhook', isBase64Encoded: false });
    expect(restApi).toMatchObject({ httpMethod: 'POST', path: '/webhook', isBase64Encoded: false });
  });
});

describe('formatEventJson', () => {
  it('writes JSON that parses back to the same value', () => {
    // Prepare
    const { body, staleSignature } = signedBody();
    const value = {
      rest: buildRestApiEvent(body, staleSignature),
      sqs: buildConsumerSqsEvent(body),
      empty: [],
      none: {},
    };

    // Act
    const json = formatEventJson(value);

    // Assess
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(json).toContain('"stringListValues": []');
    expect(json.endsWith('}\n')).toBe(true);
  });
});
