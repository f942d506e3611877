/**
 * Lambda events as AWS delivers them, for `sam local invoke` and `npm run invoke`: an API Gateway
 * HTTP API (payload 2.0) and REST API (1.0) request carrying a signed Stripe webhook, and the SQS
 * record the receiver's message becomes for the consumer. A captured signature expires after 300 s,
 * so {@link resignReceiverEvent} refreshes one without touching the body.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, SQSEvent, SQSMessageAttributes } from 'aws-lambda';
import { messageAttributeNames, webhookPath } from '../config/contract';
import { localRegion } from './local/defaults';
import { signStripePayload, stripeDeliveryHeaders } from './stripe-events';

export type ReceiverEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

const accountId = '123456789012';
const apiId = 'a1b2c3d4e5';
const domainName = `${apiId}.execute-api.${localRegion}.amazonaws.com`;
// One of the addresses Stripe publishes for webhook deliveries (https://docs.stripe.com/ips).
const stripeSourceIp = '3.18.12.63';
export const localQueueArn = `arn:aws:sqs:${localRegion}:${accountId}:stripe-webhooks-local-events`;

export class ReceiverEventError extends Error {
  constructor(problem: string) {
    super(
      `${problem}. Expected an API Gateway proxy event whose body is the Stripe event JSON; ` +
        'regenerate the captured events with `npm run events:sign -- --rebuild`.',
    );
    this.name = 'ReceiverEventError';
  }
}

function isHttpApiEvent(event: ReceiverEvent): event is APIGatewayProxyEventV2 {
  return 'version' in event && event.version === '2.0';
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's request time format, e.g. `22/Nov/2026:10:14:00 +0000`. */
function apiGatewayTime(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

function traceId(date: Date): string {
  return `Root=1-${Math.floor(date.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

// Shaped like API Gateway's request ids (e.g. `JKJaXmPLvHcESHA=`); only uniqueness matters.
function requestId(): string {
  return randomBytes(11).toString('base64');
}

/** Normalizes `now` to a Date: a number is milliseconds since the epoch, as `Date.now()` returns. */
function toDate(now: Date | number): Date {
  const date = typeof now === 'number' ? new Date(now) : now;
  // Seconds passed by mistake would sign a timestamp in 1970 that the receiver refuses.
  if (Number.isNaN(date.getTime()) || date.getTime() < 1e11) {
    throw new ReceiverEventError(
      `The clock value ${String(now)} is not a Date or milliseconds since the epoch (Date.now())`,
    );
  }
  return date;
}

/** An API Gateway HTTP API (payload format 2.0) event for Stripe's POST to the webhook route. */
export function buildHttpApiEvent(
  body: string,
  signature: string,
  now: Date | number = new Date(),
): APIGatewayProxyEventV2 {
  const date = toDate(now);
  return {
    version: '2.0',
    routeKey: `POST ${webhookPath}`,
    rawPath: webhookPath,
    rawQueryString: '',
    headers: {
      accept: stripeDeliveryHeaders.accept,
      'cache-control': stripeDeliveryHeaders['cache-control'],
      'content-length': String(Buffer.byteLength(body, 'utf8')),
      'content-type': stripeDeliveryHeaders['content-type'],
      host: domainName,
      'stripe-signature': signature,
      'user-agent': stripeDeliveryHeaders['user-agent'],
      'x-amzn-trace-id': traceId(date),
      'x-forwarded-for': stripeSourceIp,
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId,
      apiId,
      domainName,
      domainPrefix: apiId,
      http: {
        method: 'POST',
        path: webhookPath,
        protocol: 'HTTP/1.1',
        sourceIp: stripeSourceIp,
        userAgent: stripeDeliveryHeaders['user-agent'],
      },
      requestId: requestId(),
      routeKey: `POST ${webhookPath}`,
      stage: '$default',
      time: apiGatewayTime(date),
      timeEpoch: date.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** An API Gateway REST API proxy (payload format 1.0) event for the same request. */
export function buildRestApiEvent(
  body: string,
  signature: string,
  now: Date | number = new Date(),
): APIGatewayProxyEvent {
  const date = toDate(now);
  // REST APIs pass header names as the client sent them, unlike HTTP APIs, which lower-case them.
  const headers: Record<string, string> = {
    Accept: stripeDeliveryHeaders.accept,
    'Cache-Control': stripeDeliveryHeaders['cache-control'],
    'Content-Length': String(Buffer.byteLength(body, 'utf8')),
    'Content-Type': stripeDeliveryHeaders['content-type'],
    Host: domainName,
    'Stripe-Signature': signature,
    'User-Agent': stripeDeliveryHeaders['user-agent'],
    'X-Amzn-Trace-Id': traceId(date),
    'X-Forwarded-For': stripeSourceIp,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
  const multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  return {
    resource: webhookPath,
    path: webhookPath,
    httpMethod: 'POST',
    headers,
    multiValueHeaders,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId,
      apiId,
      authorizer: undefined,
      domainName,
      domainPrefix: apiId,
      extendedRequestId: requestId(),
      httpMethod: 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: stripeSourceIp,
        user: null,
        userAgent: stripeDeliveryHeaders['user-agent'],
        userArn: null,
      },
      path: `/prod${webhookPath}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTime: apiGatewayTime(date),
      requestTimeEpoch: date.getTime(),
      resourceId: 'abc123',
      resourcePath: webhookPath,
      stage: 'prod',
    },
    body,
    isBase64Encoded: false,
  };
}

/** The exact text Stripe signed: the body, decoded from base64 when API Gateway encoded it. */
export function receiverEventBody(event: ReceiverEvent): string {
  if (typeof event.body !== 'string' || event.body === '')
    throw new ReceiverEventError('The event has no body to sign');
  if (!event.isBase64Encoded) return event.body;
  const bytes = Buffer.from(event.body, 'base64');
  const text = bytes.toString('utf8');
  // Stripe signs UTF-8 text; bytes that do not survive decoding cannot carry a valid signature.
  if (!Buffer.from(text, 'utf8').equals(bytes)) throw new ReceiverEventError('The base64 body is not UTF-8 text');
  return text;
}

function setHeader(headers: Record<string, unknown>, name: string, value: unknown, defaultName: string): void {
  const existing = Object.keys(headers).find((key) => key.toLowerCase() === name);
  headers[existing ?? defaultName] = value;
}

/**
 * Returns a copy of `event` with a fresh `stripe-signature` for its unchanged body, signed with
 * `secret` at `now` (a Date, or milliseconds since the epoch), and request times to match.
 */
export function resignReceiverEvent<E extends ReceiverEvent>(
  event: E,
  secret: string,
  now: Date | number = new Date(),
): E {
  const date = toDate(now);
  const signature = signStripePayload(receiverEventBody(event), secret, Math.floor(date.getTime() / 1000));
  const copy = structuredClone(event);
  if (isHttpApiEvent(copy)) {
    copy.headers = { ...copy.headers };
    setHeader(copy.headers, 'stripe-signature', signature, 'stripe-signature');
    copy.requestContext.time = apiGatewayTime(date);
    copy.requestContext.timeEpoch = date.getTime();
    return copy;
  }
  const rest = copy as APIGatewayProxyEvent;
  if (typeof rest.requestContext !== 'object' || rest.requestContext === null) {
    throw new ReceiverEventError('The event is neither an HTTP API (version "2.0") nor a REST API proxy event');
  }
  rest.headers = { ...rest.headers };
  setHeader(rest.headers, 'stripe-signature', signature, 'Stripe-Signature');
  if (rest.multiValueHeaders) setHeader(rest.multiValueHeaders, 'stripe-signature', [signature], 'Stripe-Signature');
  rest.requestContext.requestTime = apiGatewayTime(date);
  rest.requestContext.requestTimeEpoch = date.getTime();
  return copy;
}

// SQS's MD5OfMessageAttributes: per attribute, sorted by name, length-prefixed name, data type,
// transport type (1 = string) and value. Lambda passes it on in the record.
function md5OfMessageAttributes(attributes: Readonly<Record<string, string>>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    lengthPrefixed(name);
    lengthPrefixed('String');
    hash.update(Buffer.from([1]));
    lengthPrefixed(attributes[name] ?? '');
  }
  return hash.digest('hex');
}

/**
 * An SQS event with the one record the consumer receives after the receiver queued `body`: the
 * raw Stripe event text plus the metadata attributes named in `messageAttributeNames`.
 */
export function buildConsumerSqsEvent(body: string, now: Date | number = new Date()): SQSEvent {
  const date = toDate(now);
  let envelope: { id?: unknown; type?: unknown };
  try {
    envelope = JSON.parse(body) as { id?: unknown; type?: unknown };
  } catch {
    throw new ReceiverEventError('The body is not JSON');
  }
  if (typeof envelope.id !== 'string' || typeof envelope.type !== 'string') {
    throw new ReceiverEventError('The body has no Stripe event id and type');
  }
  const values: Record<string, string> = {
    [messageAttributeNames.eventId]: envelope.id,
    [messageAttributeNames.eventType]: envelope.type,
    [messageAttributeNames.receivedAt]: date.toISOString(),
  };
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, stringValue] of Object.entries(values)) {
    messageAttributes[name] = { stringValue, stringListValues: [], binaryListValues: [], dataType: 'String' };
  }
  const sentTimestamp = String(date.getTime());
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: `AQEB${randomBytes(180).toString('base64')}`,
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: sentTimestamp,
          SenderId: 'AROAEXAMPLEROLEID1234:stripe-webhooks-local-receiver',
          ApproximateFirstReceiveTimestamp: String(date.getTime() + 25),
        },
        messageAttributes,
        md5OfMessageAttributes: md5OfMessageAttributes(values),
        md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: localQueueArn,
        awsRegion: localRegion,
      },
    ],
  };
}

const jsonLineWidth = 120;

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

/**
 * `JSON.stringify(value, null, 2)`, except that short arrays of plain values stay on one line, as
 * the repository's formatter (Biome) writes them: the generated files then pass `npm run lint`.
 */
export function formatEventJson(value: unknown): string {
  const write = (node: unknown, indent: string, prefix: string, suffix: string): string => {
    if (Array.isArray(node)) {
      const inline = `[${node.map((item) => JSON.stringify(item ?? null)).join(', ')}]`;
      if (node.every(isPrimitive) && indent.length + prefix.length + inline.length + suffix.length <= jsonLineWidth) {
        return `${indent}${prefix}${inline}${suffix}`;
      }
      const inner = node.map((item, index) =>
        write(item ?? null, `${indent}  `, '', index < node.length - 1 ? ',' : ''),
      );
      return `${indent}${prefix}[\n${inner.join('\n')}\n${indent}]${suffix}`;
    }
    if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node).filter(([, item]) => item !== undefined);
      if (entries.length === 0) return `${indent}${prefix}{}${suffix}`;
      const inner = entries.map(([key, item], index) =>
        write(item, `${indent}  `, `${JSON.stringify(key)}: `, index < entries.length - 1 ? ',' : ''),
      );
      return `${indent}${prefix}{\n${inner.join('\n')}\n${indent}}${suffix}`;
    }
    return `${indent}${prefix}${JSON.stringify(node)}${suffix}`;
  };
  return `${write(value, '', '', '')}\n`;
}
