/**
 * Hostile and broken requests, one row each, through the receiver's real handler path: an API Gateway
 * HTTP API (2.0) event → toWebhookRequest → receiveWebhook, with the real signing-secret cache (over a
 * fake Secrets Manager), the consumer's real subscriptions, and the real Powertools logger and metrics.
 * Only the queue is a fake, so that "nothing was queued" can be checked.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { encodeSubscribedTypes, subscribedTypeMatcher } from '../../config/subscribed-types';
import { subscribedTypesOf } from '../../functions/consumer/define-subscriptions';
import { createApiGatewayHandler } from '../../functions/receiver/api-gateway-handler';
import type { ApiGatewayEvent } from '../../functions/receiver/http-request';
import type { ErrorCode, QueuedEvent, ReceiverDependencies } from '../../functions/receiver/receive-webhook';
import { createReceiverMetrics } from '../../functions/receiver/receiver-metrics';
import { secretsManagerSigningSecrets } from '../../functions/receiver/signing-secrets';
import { computeSignature } from '../../functions/receiver/stripe-signature';
import { stripeWebhookIps } from '../../functions/receiver/stripe-webhook-ips';
import { receiverLimits } from '../../functions/receiver/tuning';
import { createLogger } from '../../functions/shared/logger';
import projectSubscriptions from '../../functions/subscriptions';
import { buildHttpApiEvent, buildRestApiEvent } from '../../tools/receiver-events';
import {
  buildStripeEvent,
  defaultCustomerEmail,
  defaultCustomerName,
  toStripeWebhookBody,
} from '../../tools/stripe-events';
import { captureStdio, fakeSecretsManager, stackTracePattern } from '../support/receiver-fakes';

const secret = 'whsec_bad_input_table_secret_4f9c2a7e01';
const otherSecret = 'whsec_another_endpoints_secret_8b3d5c';
const apiKeyStoredByMistake = 'sk_live_not_a_real_key_bad_input_table';
const now = new Date('2026-11-22T10:00:00Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const notStripeIp = '203.0.113.7';

const invoicePaid = buildStripeEvent('invoice.paid', { id: 'evt_bad_input_table' });
/** What Stripe posts: pretty-printed JSON with the customer's email, name and invoice number. */
const body = toStripeWebhookBody(invoicePaid);

function sign(payload: string | Buffer, options: { secret?: string; timestamp?: number } = {}): string {
  const timestamp = options.timestamp ?? nowSeconds;
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return `t=${timestamp},v1=${computeSignature(bytes, timestamp, options.secret ?? secret).toString('hex')}`;
}

/** The HTTP API event for `payload` with `signature` (none: no header at all). */
function apiEvent(
  payload: string,
  signature: string | undefined,
  change: (event: APIGatewayProxyEventV2) => void = () => undefined,
): APIGatewayProxyEventV2 {
  const event = buildHttpApiEvent(payload, signature ?? '', now);
  if (signature === undefined) delete event.headers['stripe-signature'];
  change(event);
  return event;
}

/** A body sent base64-encoded, as API Gateway passes bodies it does not treat as text. */
function base64Event(bytes: Buffer, signature: string): APIGatewayProxyEventV2 {
  return apiEvent('', signature, (event) => {
    event.body = bytes.toString('base64');
    event.isBase64Encoded = true;
  });
}

const oneByteChanged = (() => {
  const bytes = Buffer.from(body, 'utf8');
  const index = bytes.indexOf('"amount_paid"');
  bytes[index + 1] = 'A'.charCodeAt(0); // "amount_paid" → "Amount_paid"
  return bytes.toString('utf8');
})();
const reserialized = JSON.stringify(JSON.parse(body));
const invalidUtf8 = Buffer.concat([
  Buffer.from('{"id":"evt_x","note":"'),
  Buffer.from([0xc3, 0x28]),
  Buffer.from('"}'),
]);
const tooLargeBody = `{"padding":"${'x'.repeat(receiverLimits.maxBodyBytes)}"}`;
const manyV1 = `t=${nowSeconds},${Array.from({ length: 70 }, (_, i) => `v1=${i.toString(16).padStart(64, '0')}`).join(',')}`;

interface BadInputRow {
  readonly name: string;
  readonly event: () => ApiGatewayEvent;
  readonly status: number;
  readonly code: ErrorCode;
  /** Part of the message that tells the sender what to fix. */
  readonly says: RegExp;
  readonly headers?: Record<string, string>;
  readonly deps?: Partial<ReceiverDependencies>;
}

const stripeIpsOnly: Partial<ReceiverDependencies> = { allowedSourceIps: new Set(stripeWebhookIps.addresses) };

const rows: BadInputRow[] = [
  {
    name: 'no Stripe-Signature header',
    event: () => apiEvent(body, undefined),
    status: 400,
    code: 'missing_signature',
    says: /header is missing/,
  },
  {
    name: 'an empty Stripe-Signature header',
    event: () => apiEvent(body, ''),
    status: 400,
    code: 'missing_signature',
    says: /header is missing/,
  },
  {
    name: 'a header without t=',
    event: () => apiEvent(body, sign(body).replace(/^t=\d+,/, '')),
    status: 400,
    code: 'malformed_signature',
    says: /no timestamp \(t=\.\.\.\)/,
  },
  {
    name: 'a header without v1=',
    event: () => apiEvent(body, `t=${nowSeconds}`),
    status: 400,
    code: 'no_v1_signature',
    says: /no v1 signature/,
  },
  {
    name: 'a header with only v0=',
    event: () => apiEvent(body, sign(body).replace('v1=', 'v0=')),
    status: 400,
    code: 'no_v1_signature',
    says: /v0 is a legacy test-mode scheme/,
  },
  {
    name: 't that is not an integer',
    event: () => apiEvent(body, sign(body).replace(/^t=\d+/, `t=${nowSeconds}.5`)),
    status: 400,
    code: 'malformed_signature',
    says: /not a Unix timestamp in seconds/,
  },
  {
    name: 't that is not a number',
    event: () => apiEvent(body, sign(body).replace(/^t=\d+/, 't=yesterday')),
    status: 400,
    code: 'malformed_signature',
    says: /not a Unix timestamp in seconds/,
  },
  {
    name: 'two timestamps',
    event: () => apiEvent(body, `t=${nowSeconds - 1000},${sign(body)}`),
    status: 400,
    code: 'malformed_signature',
    says: /more than one timestamp/,
  },
  {
    name: 'a v1 that is not hex',
    event: () => apiEvent(body, `t=${nowSeconds},v1=not-a-signature`),
    status: 400,
    code: 'signature_mismatch',
    says: /raw request body/,
  },
  {
    name: 'a timestamp 301 s old',
    event: () => apiEvent(body, sign(body, { timestamp: nowSeconds - 301 })),
    status: 400,
    code: 'timestamp_out_of_tolerance',
    says: /301 s old, more than the 300 s allowed; it may be a replay/,
  },
  {
    name: 'a timestamp a day old (a replay)',
    event: () => apiEvent(body, sign(body, { timestamp: nowSeconds - 86_400 })),
    status: 400,
    code: 'timestamp_out_of_tolerance',
    says: /86400 s old/,
  },
  {
    name: 'a timestamp 301 s in the future',
    event: () => apiEvent(body, sign(body, { timestamp: nowSeconds + 301 })),
    status: 400,
    code: 'timestamp_out_of_tolerance',
    says: /301 s in the future.*check the sender's clock/,
  },
  {
    name: 'a timestamp a year in the future',
    event: () => apiEvent(body, sign(body, { timestamp: nowSeconds + 31_536_000 })),
    status: 400,
    code: 'timestamp_out_of_tolerance',
    says: /in the future/,
  },
  {
    name: 'a signature made with another secret',
    event: () => apiEvent(body, sign(body, { secret: otherSecret })),
    status: 400,
    code: 'signature_mismatch',
    says: /this endpoint's signing secret \(whsec_\.\.\.\)/,
  },
  {
    name: 'the signature of another body',
    event: () => apiEvent(body, sign(body.replace('invoice.paid', 'invoice.voided'))),
    status: 400,
    code: 'signature_mismatch',
    says: /raw request body/,
  },
  {
    name: 'one byte of the body changed',
    event: () => apiEvent(oneByteChanged, sign(body)),
    status: 400,
    code: 'signature_mismatch',
    says: /raw request body/,
  },
  {
    name: 'whitespace added to the body',
    event: () => apiEvent(`${body}\n`, sign(body)),
    status: 400,
    code: 'signature_mismatch',
    says: /raw request body/,
  },
  {
    name: 'whitespace stripped from the body',
    event: () => apiEvent(body.replace(/\n\s*/g, ''), sign(body)),
    status: 400,
    code: 'signature_mismatch',
    says: /raw request body/,
  },
  {
    name: 'the same JSON re-serialized',
    event: () => apiEvent(reserialized, sign(body)),
    status: 400,
    code: 'signature_mismatch',
    says: /raw request body exactly as Stripe sent it \(not parsed and re-serialized/,
  },
  {
    name: 'isBase64Encoded true on a plain body',
    event: () =>
      apiEvent(body, sign(body), (event) => {
        event.isBase64Encoded = true;
      }),
    status: 400,
    code: 'invalid_base64',
    says: /says its body is base64-encoded \(isBase64Encoded\), but it is not valid base64/,
  },
  {
    name: 'isBase64Encoded false on a base64 body',
    event: () => apiEvent(Buffer.from(body).toString('base64'), sign(body)),
    status: 400,
    code: 'undeclared_base64',
    says: /base64-encoded, but the request does not say so \(isBase64Encoded is false\)/,
  },
  {
    name: 'a validly signed body that is not UTF-8',
    event: () => base64Event(invalidUtf8, sign(invalidUtf8)),
    status: 400,
    code: 'invalid_encoding',
    says: /not valid UTF-8/,
  },
  {
    name: 'a validly signed body that is not JSON',
    event: () => apiEvent('event=invoice.paid&id=evt_1', sign('event=invoice.paid&id=evt_1')),
    status: 400,
    code: 'invalid_json',
    says: /not JSON/,
  },
  {
    name: 'validly signed JSON that is not a Stripe event',
    event: () => {
      const invoice = JSON.stringify(invoicePaid.data.object);
      return apiEvent(invoice, sign(invoice));
    },
    status: 400,
    code: 'not_a_stripe_event',
    says: /not a Stripe event: expected a snapshot event \{"object": "event".* or a thin event \{"object": "v2.core.event"/,
  },
  {
    name: 'a validly signed event without data.object',
    event: () => {
      const envelope = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid' });
      return apiEvent(envelope, sign(envelope));
    },
    status: 400,
    code: 'not_a_stripe_event',
    says: /not a Stripe event/,
  },
  {
    name: 'a body over the size limit',
    event: () => apiEvent(tooLargeBody, sign(tooLargeBody)),
    status: 413,
    code: 'payload_too_large',
    says: /at most 5242880 are accepted/,
  },
  {
    name: 'a GET',
    event: () =>
      apiEvent('', undefined, (event) => {
        event.requestContext.http.method = 'GET';
      }),
    status: 405,
    code: 'method_not_allowed',
    says: /delivered with POST, not "GET"/,
    headers: { allow: 'POST' },
  },
  {
    name: 'a PUT of a signed event',
    event: () =>
      apiEvent(body, sign(body), (event) => {
        event.requestContext.http.method = 'PUT';
      }),
    status: 405,
    code: 'method_not_allowed',
    says: /delivered with POST/,
    headers: { allow: 'POST' },
  },
  {
    name: 'a lower-case "post" (methods are case-sensitive)',
    event: () =>
      apiEvent(body, sign(body), (event) => {
        event.requestContext.http.method = 'post';
      }),
    status: 405,
    code: 'method_not_allowed',
    says: /delivered with POST, not "post"/,
    headers: { allow: 'POST' },
  },
  {
    name: 'headers over 16 KiB in total',
    event: () =>
      apiEvent(body, sign(body), (event) => {
        event.headers['x-padding'] = 'p'.repeat(receiverLimits.maxHeaderBytes);
      }),
    status: 431,
    code: 'headers_too_large',
    says: /request headers total \d+ bytes; at most 16384/,
  },
  {
    name: 'a Stripe-Signature header over 4 KiB',
    event: () => apiEvent(body, manyV1),
    status: 431,
    code: 'headers_too_large',
    says: /Stripe-Signature header is \d+ bytes; at most 4096/,
  },
  {
    name: 'a source address that is not Stripe’s (allowlist on)',
    event: () =>
      apiEvent(body, sign(body), (event) => {
        event.requestContext.http.sourceIp = notStripeIp;
        // A client-supplied header must not count as the source.
        event.headers['x-forwarded-for'] = stripeWebhookIps.addresses[0];
      }),
    status: 403,
    code: 'forbidden_source_ip',
    says: /only from Stripe's webhook IP addresses/,
    deps: stripeIpsOnly,
  },
  {
    name: 'a REST API (1.0) event signed with another secret',
    event: () => buildRestApiEvent(body, sign(body, { secret: otherSecret }), now),
    status: 400,
    code: 'signature_mismatch',
    says: /raw request body/,
  },
];

/** The receiver's 5xx answers: not bad input, but their logs must not leak either. */
const unavailableRows: BadInputRow[] = [
  {
    name: 'an API key stored as the signing secret',
    event: () => apiEvent(body, sign(body)),
    status: 500,
    code: 'signing_secret_unavailable',
    says: /Stripe will retry/,
    deps: {
      signingSecrets: secretsManagerSigningSecrets(fakeSecretsManager(apiKeyStoredByMistake).client, 'id').current,
    },
  },
  {
    name: 'a queue that refuses the event',
    event: () => apiEvent(body, sign(body)),
    status: 503,
    code: 'enqueue_failed',
    says: /Stripe will retry/,
    deps: {
      enqueue: async () => {
        throw new Error('SQS unavailable (injected)');
      },
    },
  },
];

function receiver(overrides: Partial<ReceiverDependencies> = {}) {
  const queued: QueuedEvent[] = [];
  const signingSecrets = secretsManagerSigningSecrets(
    fakeSecretsManager(secret).client,
    'stripe-webhooks/test/signing-secret',
  );
  const handler = createApiGatewayHandler(
    {
      signingSecrets: signingSecrets.current,
      refreshSigningSecrets: signingSecrets.refreshAfterMismatch,
      enqueue: async (event) => {
        queued.push(event);
      },
      isSubscribed: subscribedTypeMatcher(encodeSubscribedTypes(subscribedTypesOf(projectSubscriptions))),
      now: () => now,
      toleranceSeconds: 300,
      ...overrides,
    },
    { logger, metrics },
  );
  return { handler, queued };
}

// Real Powertools instances, writing where they write in Lambda (stdout), at INFO as deployed.
let logger: ReturnType<typeof createLogger>;
let metrics: ReturnType<typeof createReceiverMetrics>;
let stdio: ReturnType<typeof captureStdio>;
const savedEnv = { ...process.env };

beforeAll(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  logger = createLogger('stripe-webhook-receiver');
  metrics = createReceiverMetrics('test');
});

beforeEach(() => {
  stdio = captureStdio();
});

afterEach(() => {
  stdio.restore();
});

afterAll(() => {
  process.env = savedEnv;
});

describe('the receiver refuses bad input', () => {
  it.each(rows.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    // Prepare
    const { handler, queued } = receiver(row.deps);
    // Act
    const response = await handler(row.event());
    // Assess
    const parsed = JSON.parse(response.body) as { error?: { code?: string; message?: string } };
    expect({ status: response.statusCode, code: parsed.error?.code }).toEqual({ status: row.status, code: row.code });
    expect(parsed.error?.message).toMatch(row.says);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', ...row.headers });
    expect(queued).toEqual([]);
    expect(response.body).not.toMatch(stackTracePattern);
  });

  it('the stack-trace check would catch one', () => {
    // A test that cannot fail is a defect: the pattern must recognise what it guards against.
    const trace = new Error('boom').stack ?? '';
    expect(JSON.stringify({ error: { code: 'x', message: trace } })).toMatch(stackTracePattern);
    expect(trace).toMatch(stackTracePattern);
  });
});

describe('the receiver accepts what it should, on the same path', () => {
  it.each([
    ['a signed event', () => apiEvent(body, sign(body)), {}],
    ['a signed event sent base64-encoded', () => base64Event(Buffer.from(body), sign(body)), {}],
    ['a REST API (1.0) event', () => buildRestApiEvent(body, sign(body), now), {}],
    ["a signed event from one of Stripe's addresses (allowlist on)", () => apiEvent(body, sign(body)), stripeIpsOnly],
    ['a timestamp exactly 300 s old', () => apiEvent(body, sign(body, { timestamp: nowSeconds - 300 })), {}],
    ['a timestamp exactly 300 s ahead', () => apiEvent(body, sign(body, { timestamp: nowSeconds + 300 })), {}],
  ] as const)('%s', async (_name, makeEvent, deps) => {
    // Prepare
    const { handler, queued } = receiver(deps);
    // Act
    const response = await handler(makeEvent());
    // Assess
    expect({ status: response.statusCode, body: JSON.parse(response.body) }).toEqual({
      status: 200,
      body: { received: true, id: 'evt_bad_input_table' },
    });
    expect(queued.map((event) => event.body)).toEqual([body]);
  });

  it('accepts a body of exactly the size limit', async () => {
    // Prepare: the event padded with metadata to exactly maxBodyBytes
    const unpadded = JSON.stringify({ ...invoicePaid, metadata: { padding: '' } });
    const padded = JSON.stringify({
      ...invoicePaid,
      metadata: { padding: 'x'.repeat(receiverLimits.maxBodyBytes - Buffer.byteLength(unpadded)) },
    });
    const { handler, queued } = receiver();
    // Act
    const response = await handler(apiEvent(padded, sign(padded)));
    // Assess
    expect(Buffer.byteLength(padded)).toBe(receiverLimits.maxBodyBytes);
    expect(response.statusCode).toBe(200);
    expect(queued).toHaveLength(1);
  });

  it('acknowledges a verified event of a type no handler subscribes to, without queueing it', async () => {
    // Prepare
    const customerCreated = toStripeWebhookBody(buildStripeEvent('customer.created', { id: 'evt_unsubscribed' }));
    const { handler, queued } = receiver();
    // Act
    const response = await handler(apiEvent(customerCreated, sign(customerCreated)));
    // Assess
    expect({ status: response.statusCode, body: JSON.parse(response.body) }).toEqual({
      status: 200,
      body: { received: true, id: 'evt_unsubscribed', ignored: true },
    });
    expect(queued).toEqual([]);
  });
});

describe('logs and metrics of the whole table', () => {
  it('name the outcome and reason of each request, and hold no secret, signature, body content or email address', async () => {
    // Prepare: every value that must never be logged
    const events = [...rows, ...unavailableRows].map((row) => ({ row, event: row.event() }));
    const signatures = events.flatMap(({ event }) =>
      [...JSON.stringify(event.headers ?? {}).matchAll(/v[01]=([0-9a-f]{64})/g)].map((match) => match[1] ?? ''),
    );
    const invoice = invoicePaid.data.object;
    const customerData = [defaultCustomerEmail, defaultCustomerName, invoice.number, invoice.hosted_invoice_url].filter(
      (value): value is string => typeof value === 'string' && value.length > 0,
    );
    // 24-byte slices of the body, raw and as they would look inside a JSON log line
    const fragments: string[] = [];
    for (let start = 0; start + 24 <= body.length; start += 12) {
      const slice = body.slice(start, start + 24);
      fragments.push(slice, JSON.stringify(slice).slice(1, -1));
    }
    // Act
    const responses = [];
    for (const { row, event } of events) {
      const { handler } = receiver(row.deps);
      responses.push(await handler(event));
    }
    const output = stdio.output();
    // Assess: the capture saw the logs and the metrics, with what an operator needs
    expect(responses.map((response) => response.statusCode)).toEqual(
      [...rows, ...unavailableRows].map((row) => row.status),
    );
    const lines = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const rejections = lines.filter((line) => line.message === 'Rejected webhook');
    expect(rejections.map((line) => line.reason)).toEqual(rows.map((row) => row.code));
    expect(rejections.every((line) => typeof line.requestId === 'string' && line.outcome === 'rejected')).toBe(true);
    const rejectedByReason = lines.filter((line) => line.Rejected === 1 && typeof line.reason === 'string');
    expect(rejectedByReason.map((line) => line.reason)).toEqual(rows.map((row) => row.code));
    expect(lines.filter((line) => line.SecretUnavailable === 1)).toHaveLength(1);
    expect(lines.filter((line) => line.EnqueueFailed === 1)).toHaveLength(1);
    expect(output).toContain('this is a Stripe API key, not a webhook signing secret');
    // Assess: and nothing that must stay out of logs
    expect(signatures.length).toBeGreaterThan(rows.length);
    const leaks = [
      ...[secret, otherSecret, apiKeyStoredByMistake, 'whsec_bad', 'sk_live_not'].filter((value) =>
        output.includes(value),
      ),
      ...signatures.filter((value) => output.includes(value)),
      ...customerData.filter((value) => output.includes(value)),
      ...fragments.filter((value) => output.includes(value)),
      ...(output.match(/[\w.+-]+@[\w-]+\.[\w.-]+/g) ?? []),
    ];
    expect(leaks).toEqual([]);
  });
});
