import Stripe from 'stripe';
import type { WebhookRequest } from '../../functions/receiver/http-request';
import { type QueuedEvent, type ReceiverDependencies, receiveWebhook } from '../../functions/receiver/receive-webhook';
import { computeSignature } from '../../functions/receiver/stripe-signature';
import { RecordingLogger } from '../support/fakes';

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
  const deps: ReceiverDependencies = {
    signingSecrets: async () => [secret],
    enqueue: async (queuedEvent) => {
      queued.push(queuedEvent);
    },
    now: () => now,
    toleranceSeconds: 300,
    logger,
    ...overrides,
  };
  return { deps, queued, logger };
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
      { body, eventId: 'evt_test_receiver', eventType: 'invoice.paid', receivedAt: '2026-11-22T10:00:00.000Z' },
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
