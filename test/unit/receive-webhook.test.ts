import Stripe from 'stripe';
import type { WebhookRequest } from '../../functions/receiver/http-request';
import { type QueuedEvent, type ReceiverDependencies, receiveWebhook } from '../../functions/receiver/receive-webhook';
import { computeSignature } from '../../functions/receiver/stripe-signature';
import { RecordingLogger } from '../../tools/testing/consumer-fakes';
import { RecordingMetrics } from '../support/receiver-fakes';

const secret = 'whsec_test_secret_for_unit_tests_only';
const now = new Date('2026-11-22T10:00:00Z');
const event = {
  id: 'evt_test_receiver',
  object: 'event',
  type: 'invoice.paid',
  data: { object: { object: 'invoice' } },
};

function signedRequest(body: string | Buffer, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  const timestamp = Math.floor(now.getTime() / 1000);
  // stripe's test signer takes a string (signed as UTF-8); raw bytes are signed with our own HMAC,
  // which the signature tests cross-check against stripe's.
  const signature = Buffer.isBuffer(body)
    ? `t=${timestamp},v1=${computeSignature(body, timestamp, secret).toString('hex')}`
    : Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { method: 'POST', headers: { 'stripe-signature': signature }, body: bytes, requestId: 'req-1', ...overrides };
}

function dependencies(overrides: Partial<ReceiverDependencies> = {}) {
  const queued: QueuedEvent[] = [];
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  let secretLoads = 0;
  const deps: ReceiverDependencies = {
    signingSecrets: async () => {
      secretLoads += 1;
      return [secret];
    },
    refreshSigningSecrets: async () => undefined,
    enqueue: async (queuedEvent) => {
      queued.push(queuedEvent);
    },
    isSubscribed: (type) => type === 'invoice.paid',
    now: () => now,
    toleranceSeconds: 300,
    logger,
    metrics,
    ...overrides,
  };
  return { deps, queued, logger, metrics, secretLoads: () => secretLoads };
}

describe('receiveWebhook', () => {
  it('queues a validly signed event with its raw body and metadata, then answers 200', async () => {
    // Prepare
    const body = `${JSON.stringify(event, null, 1)}\n`;
    const { deps, queued } = dependencies();
    // Act
    const response = await receiveWebhook(signedRequest(body), deps);
    // Assess
    expect(response).toEqual({ statusCode: 200, body: { received: true, id: 'evt_test_receiver' } });
    expect(queued).toEqual([
      {
        body,
        eventId: 'evt_test_receiver',
        eventType: 'invoice.paid',
        payload: 'snapshot',
        receivedAt: '2026-11-22T10:00:00.000Z',
      },
    ]);
  });

  it('answers 503 and acknowledges nothing when the queue refuses the event', async () => {
    // Prepare
    const { deps } = dependencies({
      enqueue: async () => {
        throw new Error('SQS unavailable');
      },
    });
    // Act
    const response = await receiveWebhook(signedRequest(JSON.stringify(event)), deps);
    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.body).toMatchObject({ error: { code: 'enqueue_failed' } });
  });

  it('answers 500 (so Stripe retries) when the signing secret cannot be loaded', async () => {
    // Prepare
    const { deps, queued } = dependencies({
      signingSecrets: async () => {
        throw new Error('AccessDenied');
      },
    });
    // Act
    const response = await receiveWebhook(signedRequest(JSON.stringify(event)), deps);
    // Assess
    expect(response.statusCode).toBe(500);
    expect(queued).toHaveLength(0);
  });

  it('takes the cached secrets without waiting when they are at hand, else waits for them', async () => {
    // Prepare
    const body = JSON.stringify(event);
    const atHand = dependencies({ cachedSigningSecrets: () => [secret] });
    const loading = dependencies({ cachedSigningSecrets: () => undefined });
    // Act
    const fromCache = await receiveWebhook(signedRequest(body), atHand.deps);
    const fromLoad = await receiveWebhook(signedRequest(body), loading.deps);
    // Assess
    expect([fromCache.statusCode, fromLoad.statusCode]).toEqual([200, 200]);
    expect([atHand.secretLoads(), loading.secretLoads()]).toEqual([0, 1]);
  });

  it('measures the signature age from when the request came, not from when a slow secret load finished', async () => {
    // Prepare: signed 299 s before it came, and the secret (a cold start's first read) takes 10 s more
    let clock = now.getTime();
    const { deps, queued } = dependencies({
      now: () => new Date(clock),
      signingSecrets: async () => {
        clock += 10_000;
        return [secret];
      },
    });
    const timestamp = Math.floor(now.getTime() / 1000) - 299;
    const body = JSON.stringify(event);
    const request = signedRequest(body, {
      headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp }) },
    });
    // Act
    const response = await receiveWebhook(request, deps);
    // Assess: accepted, and queued with the instant it came
    expect(response.statusCode).toBe(200);
    expect(queued.map((q) => q.receivedAt)).toEqual(['2026-11-22T10:00:00.000Z']);
  });

  it.each([
    [
      'a tampered body',
      () => ({ ...signedRequest(JSON.stringify(event)), body: Buffer.from(JSON.stringify({ ...event, id: 'evt_x' })) }),
      400,
      'signature_mismatch',
    ],
    ['no signature', () => ({ ...signedRequest(JSON.stringify(event)), headers: {} }), 400, 'missing_signature'],
    ['a GET', () => signedRequest(JSON.stringify(event), { method: 'GET' }), 405, 'method_not_allowed'],
    ['a signed body that is not JSON', () => signedRequest('hello'), 400, 'invalid_json'],
    [
      'signed JSON that is not an event',
      () => signedRequest('{"object":"invoice","id":"in_1"}'),
      400,
      'not_a_stripe_event',
    ],
    [
      'signed bytes that are not UTF-8',
      () => signedRequest(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      400,
      'invalid_encoding',
    ],
  ])('refuses %s without queueing anything', async (_label, makeRequest, status, code) => {
    // Prepare
    const { deps, queued, logger } = dependencies();
    // Act
    const response = await receiveWebhook(makeRequest(), deps);
    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.body).toMatchObject({ error: { code } });
    expect(queued).toHaveLength(0);
    expect(JSON.stringify(logger.lines)).not.toContain(secret);
  });
});

describe('receiveWebhook: filter, secret refresh, source addresses, metrics', () => {
  it('acknowledges a verified event of a type no handler subscribes to, queues nothing and counts it', async () => {
    // Prepare
    const body = JSON.stringify({ ...event, id: 'evt_not_subscribed', type: 'customer.created' });
    const { deps, queued, logger, metrics } = dependencies();
    // Act
    const response = await receiveWebhook(signedRequest(body), deps);
    // Assess
    expect(response).toEqual({ statusCode: 200, body: { received: true, id: 'evt_not_subscribed', ignored: true } });
    expect(queued).toEqual([]);
    expect(metrics.counts).toEqual([{ name: 'Ignored' }]);
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: expect.stringContaining('Ignored'),
        details: { eventId: 'evt_not_subscribed', eventType: 'customer.created', outcome: 'ignored' },
      },
    ]);
  });

  it('never ignores an event it cannot verify: the filter runs after the signature check', async () => {
    // Prepare
    const body = JSON.stringify({ ...event, type: 'customer.created' });
    const { deps } = dependencies();
    // Act
    const response = await receiveWebhook({ ...signedRequest(body), body: Buffer.from(`${body} `) }, deps);
    // Assess
    expect(response.statusCode).toBe(400);
  });

  it('verifies again with re-read secrets after a mismatch, so a secret rolled a moment ago works at once', async () => {
    // Prepare: the cache still holds the old secret; Secrets Manager already has the new one
    let refreshes = 0;
    const { deps, queued, logger } = dependencies({
      signingSecrets: async () => ['whsec_before_the_roll'],
      refreshSigningSecrets: async () => {
        refreshes += 1;
        return ['whsec_before_the_roll', secret];
      },
    });
    // Act
    const response = await receiveWebhook(signedRequest(JSON.stringify(event)), deps);
    // Assess
    expect(response.statusCode).toBe(200);
    expect(queued).toHaveLength(1);
    expect(refreshes).toBe(1);
    expect(logger.lines.map((line) => line.message)).toContain(
      'Signature matched a signing secret re-read after a mismatch',
    );
  });

  it('refuses a mismatch when the re-read brings nothing new', async () => {
    // Prepare
    const { deps, queued } = dependencies({
      signingSecrets: async () => ['whsec_other'],
      refreshSigningSecrets: async () => ['whsec_other'],
    });
    // Act
    const response = await receiveWebhook(signedRequest(JSON.stringify(event)), deps);
    // Assess
    expect(response.body).toMatchObject({ error: { code: 'signature_mismatch' } });
    expect(queued).toEqual([]);
  });

  it.each([
    ['a verified request', () => signedRequest(JSON.stringify(event))],
    [
      'an expired signature (the secret is right, so re-reading it cannot help)',
      () => ({
        ...signedRequest(JSON.stringify(event)),
        headers: {
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({
            payload: JSON.stringify(event),
            secret,
            timestamp: Math.floor(now.getTime() / 1000) - 301,
          }),
        },
      }),
    ],
    [
      'a malformed header',
      () => ({ ...signedRequest(JSON.stringify(event)), headers: { 'stripe-signature': 'v1=ab' } }),
    ],
  ])('does not re-read the secret for %s', async (_label, makeRequest) => {
    // Prepare
    let refreshes = 0;
    const { deps } = dependencies({
      refreshSigningSecrets: async () => {
        refreshes += 1;
        return [secret];
      },
    });
    // Act
    await receiveWebhook(makeRequest(), deps);
    // Assess
    expect(refreshes).toBe(0);
  });

  it('refuses a malformed header without loading the secret', async () => {
    // Prepare
    const { deps, secretLoads } = dependencies();
    // Act
    const response = await receiveWebhook(
      { ...signedRequest(JSON.stringify(event)), headers: { 'stripe-signature': 'garbage' } },
      deps,
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(secretLoads()).toBe(0);
  });

  it.each([
    ['a Stripe address', '3.18.12.63', 200],
    ['another address', '198.51.100.4', 403],
    ['no known address', undefined, 403],
  ])('with the allowlist on, answers a request from %s (%s) with %i', async (_label, sourceIp, status) => {
    // Prepare
    const { deps, queued } = dependencies({ allowedSourceIps: new Set(['3.18.12.63']) });
    // Act
    const response = await receiveWebhook({ ...signedRequest(JSON.stringify(event)), sourceIp }, deps);
    // Assess
    expect(response.statusCode).toBe(status);
    expect(queued).toHaveLength(status === 200 ? 1 : 0);
  });

  it('accepts any source address with the allowlist off', async () => {
    // Prepare
    const { deps } = dependencies();
    // Act
    const response = await receiveWebhook({ ...signedRequest(JSON.stringify(event)), sourceIp: '198.51.100.4' }, deps);
    // Assess
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['an accepted event', {}, () => signedRequest(JSON.stringify(event)), [{ name: 'Accepted' }]],
    [
      'a refused signature',
      {},
      () => ({ ...signedRequest(JSON.stringify(event)), body: Buffer.from('{}') }),
      [{ name: 'Rejected', reason: 'signature_mismatch' }],
    ],
    [
      'a refused method',
      {},
      () => signedRequest(JSON.stringify(event), { method: 'GET' }),
      [{ name: 'Rejected', reason: 'method_not_allowed' }],
    ],
    [
      'a queue failure',
      {
        enqueue: async () => {
          throw new Error('SQS unavailable');
        },
      },
      () => signedRequest(JSON.stringify(event)),
      [{ name: 'EnqueueFailed' }],
    ],
    [
      'an unavailable secret',
      {
        signingSecrets: async () => {
          throw new Error('AccessDenied');
        },
      },
      () => signedRequest(JSON.stringify(event)),
      [{ name: 'SecretUnavailable' }],
    ],
  ] as const)('counts exactly one outcome for %s', async (_label, overrides, makeRequest, expected) => {
    // Prepare
    const { deps, metrics } = dependencies(overrides);
    // Act
    await receiveWebhook(makeRequest(), deps);
    // Assess
    expect(metrics.counts).toEqual(expected);
  });

  it('logs the event id, type and outcome of an accepted event, and nothing from its body', async () => {
    // Prepare
    const body = JSON.stringify({ ...event, data: { object: { customer_email: 'someone@example.com' } } });
    const { deps, logger } = dependencies();
    // Act
    await receiveWebhook(signedRequest(body), deps);
    // Assess
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: 'Accepted webhook',
        details: { eventId: 'evt_test_receiver', eventType: 'invoice.paid', outcome: 'accepted' },
      },
    ]);
  });
});
