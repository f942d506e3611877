/**
 * The receiver's text-body path: API Gateway passes a text body as a string, which the receiver hashes,
 * checks and queues as it is (no Buffer round trip), and a binary one base64-encoded, which it decodes
 * to bytes. Both must give the answers the bytes Stripe sent would give.
 */
import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import Stripe from 'stripe';
import { toWebhookRequest } from '../../functions/receiver/http-request';
import { type QueuedEvent, type ReceiverDependencies, receiveWebhook } from '../../functions/receiver/receive-webhook';
import { computeSignature } from '../../functions/receiver/stripe-signature';
import { buildHttpApiEvent } from '../../tools/receiver-events';
import { RecordingLogger } from '../../tools/testing/consumer-fakes';

const secret = 'whsec_text_body_tests_not_a_real_secret';
const now = new Date('2026-11-22T10:00:00Z');
const timestamp = Math.floor(now.getTime() / 1000);

function eventBody(description: string): string {
  const event = {
    id: 'evt_test_text_body',
    object: 'event',
    type: 'invoice.paid',
    data: { object: { object: 'invoice', description } },
  };
  return `${JSON.stringify(event, null, 2)}\n`;
}

function signBytes(bytes: Buffer): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(bytes).digest('hex')}`;
}

function dependencies(overrides: Partial<ReceiverDependencies> = {}) {
  const queued: QueuedEvent[] = [];
  const deps: ReceiverDependencies = {
    signingSecrets: async () => [secret],
    enqueue: async (event) => {
      queued.push(event);
    },
    now: () => now,
    toleranceSeconds: 300,
    logger: new RecordingLogger(),
    ...overrides,
  };
  return { deps, queued };
}

async function receive(event: APIGatewayProxyEventV2, overrides: Partial<ReceiverDependencies> = {}) {
  const { deps, queued } = dependencies(overrides);
  const response = await receiveWebhook(toWebhookRequest(event), deps);
  const code = 'error' in response.body ? response.body.error.code : undefined;
  return { response, code, queued };
}

describe('receiver: text bodies as API Gateway passes them', () => {
  it('accepts a non-ASCII text body signed as UTF-8 and queues the same string', async () => {
    // Prepare: accents, an emoji (a surrogate pair) and Japanese, as a customer's data may hold
    const body = eventBody('Abonnement « Pro » — 2 sièges 🎉 お支払い');
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
    // Act
    const { response, queued } = await receive(buildHttpApiEvent(body, signature, now));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(queued.map((event) => event.body)).toEqual([body]);
  });

  it('accepts the same event base64-encoded (isBase64Encoded) and queues its decoded text', async () => {
    // Prepare
    const body = eventBody('Größe: 2 — ¥1,500');
    const event = buildHttpApiEvent(Buffer.from(body, 'utf8').toString('base64'), signBytes(Buffer.from(body)), now);
    event.isBase64Encoded = true;
    // Act
    const { response, queued } = await receive(event);
    // Assess
    expect(response.statusCode).toBe(200);
    expect(queued.map((queuedEvent) => queuedEvent.body)).toEqual([body]);
  });

  it('refuses validly signed base64 bytes that are not UTF-8, and queues nothing', async () => {
    // Prepare: 0xff never occurs in UTF-8
    const bytes = Buffer.concat([Buffer.from(eventBody('x').slice(0, -3)), Buffer.from([0xff]), Buffer.from('"}\n')]);
    const event = buildHttpApiEvent(bytes.toString('base64'), signBytes(bytes), now);
    event.isBase64Encoded = true;
    // Act
    const { response, code, queued } = await receive(event);
    // Assess
    expect({ status: response.statusCode, code }).toEqual({ status: 400, code: 'invalid_encoding' });
    expect(queued).toEqual([]);
  });

  it('verifies a string holding a lone surrogate as the bytes it encodes to, and queues those (U+FFFD)', async () => {
    // Prepare: a string no UTF-8 decoder produces; its UTF-8 encoding has U+FFFD in the surrogate's place
    // (JSON.stringify would escape it, so it is put in afterwards.)
    const body = eventBody('half a pair: @.').replace('@', '\ud83c');
    const sent = Buffer.from(body, 'utf8');
    // Act
    const { response, queued } = await receive(buildHttpApiEvent(body, signBytes(sent), now));
    // Assess
    expect(response.statusCode).toBe(200);
    expect(queued.map((event) => event.body)).toEqual([eventBody('half a pair: \ufffd.')]);
    expect(body).not.toBe(eventBody('half a pair: \ufffd.'));
    expect(Buffer.from(queued[0]?.body ?? '', 'utf8').equals(sent)).toBe(true);
  });

  it('counts a text body in UTF-8 bytes against the size limit, not in characters', async () => {
    // Prepare: 600 two-byte characters are 1,200 bytes; the limit is 1,000 bytes
    const limits = { maxBodyBytes: 1_000, maxHeaderBytes: 16 * 1024, maxSignatureHeaderBytes: 4 * 1024 };
    const over = 'é'.repeat(600);
    const under = 'e'.repeat(1_000);
    const sign = (payload: string) => Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    // Act
    const tooLarge = await receive(buildHttpApiEvent(over, sign(over), now), { limits });
    const atTheLimit = await receive(buildHttpApiEvent(under, sign(under), now), { limits });
    // Assess
    expect({ status: tooLarge.response.statusCode, code: tooLarge.code }).toEqual({
      status: 413,
      code: 'payload_too_large',
    });
    expect(JSON.stringify(tooLarge.response.body)).toContain('1200 bytes');
    // Not refused for its size: it gets as far as the JSON check.
    expect(atTheLimit.code).toBe('invalid_json');
  });

  it('counts headers and the signature header in UTF-8 bytes against their limits', async () => {
    // Prepare: each header is under its limit in characters but over it in bytes
    const limits = { maxBodyBytes: 1_000_000, maxHeaderBytes: 2_000, maxSignatureHeaderBytes: 200 };
    const body = eventBody('headers');
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
    const bigHeaders = buildHttpApiEvent(body, signature, now);
    bigHeaders.headers['x-note'] = 'ü'.repeat(900);
    const bigSignature = buildHttpApiEvent(body, `${signature},v0=${'ä'.repeat(80)}`, now);
    // Act
    const headers = await receive(bigHeaders, { limits });
    const signatureHeader = await receive(bigSignature, { limits });
    // Assess
    expect(headers.code).toBe('headers_too_large');
    expect(JSON.stringify(headers.response.body)).toMatch(/headers total \d+ bytes/);
    expect(signatureHeader.code).toBe('headers_too_large');
    expect(JSON.stringify(signatureHeader.response.body)).toMatch(/Stripe-Signature header is \d+ bytes/);
  });

  it('explains a text body that is base64 of the signed bytes but not flagged as such', async () => {
    // Prepare
    const body = eventBody('undeclared');
    const event = buildHttpApiEvent(Buffer.from(body).toString('base64'), signBytes(Buffer.from(body)), now);
    // Act
    const { code, queued } = await receive(event);
    // Assess
    expect(code).toBe('undeclared_base64');
    expect(queued).toEqual([]);
  });
});

describe('computeSignature', () => {
  it('gives the HMAC-SHA256 of "t." and the body for a string and for its UTF-8 bytes, for many secrets', () => {
    // Prepare: more secrets than the key cache holds, each used twice, so that it is emptied and refilled
    const body = eventBody('naïve café ☕');
    const secrets = Array.from({ length: 40 }, (_, i) => `whsec_cache_test_${i}_not_a_real_secret`);
    for (const round of [1, 2]) {
      for (const each of secrets) {
        const expected = createHmac('sha256', each).update(`${timestamp}.${body}`).digest('hex');
        // Act / Assess
        expect({ round, hex: computeSignature(body, timestamp, each).toString('hex') }).toEqual({
          round,
          hex: expected,
        });
        expect(computeSignature(Buffer.from(body), timestamp, each).toString('hex')).toBe(expected);
      }
    }
  });
});
