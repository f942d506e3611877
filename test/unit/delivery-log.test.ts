/** The local endpoint's record of every delivery: its fields, its order and bound, and the hint per refusal. */
import type { ErrorCode } from '../../functions/receiver/receive-webhook';
import { devSigningSecret } from '../../tools/local/defaults';
import {
  createDeliveryLog,
  DeliveriesQueryError,
  type DeliveryHintContext,
  type DeliveryRecord,
  deliveryHint,
  localDeliveryLog,
  maskSecret,
  parseDeliveriesQuery,
} from '../../tools/local/delivery-log';

const secret = 'whsec_unit_delivery_log_secret_9f3c';
const context: DeliveryHintContext = {
  signingSecrets: [secret],
  secretSource: 'environment',
  webhookPath: '/webhook',
  toleranceSeconds: 300,
};
const refusal = (code: string, message = `${code} message`) => JSON.stringify({ error: { code, message } });

function delivery(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    at: new Date('2026-12-06T10:00:00.000Z'),
    method: 'POST',
    path: '/webhook',
    status: 200,
    responseBody: JSON.stringify({ received: true, id: 'evt_1' }),
    latencyMs: 12.345,
    bytes: 1234,
    event: { id: 'evt_1', type: 'invoice.paid' },
    ...overrides,
  };
}

describe('the delivery log', () => {
  it('lists an accepted delivery with its time, status, latency, size and event, and no code, message or hint', () => {
    const log = createDeliveryLog({ hints: context });

    log.record(delivery());

    expect(log.list()).toEqual([
      {
        at: '2026-12-06T10:00:00.000Z',
        method: 'POST',
        path: '/webhook',
        status: 200,
        outcome: 'accepted',
        code: null,
        message: null,
        hint: null,
        latencyMs: 12.3,
        bytes: 1234,
        eventId: 'evt_1',
        eventType: 'invoice.paid',
      },
    ]);
  });

  it("keeps a refusal's code and message from the answer, with the hint for its code", () => {
    const log = createDeliveryLog({ hints: context });

    const listed = log.record(
      delivery({
        status: 405,
        responseBody: refusal('method_not_allowed', 'use POST'),
        method: 'GET',
        event: undefined,
      }),
    );

    expect(listed).toMatchObject({
      status: 405,
      outcome: 'refused',
      code: 'method_not_allowed',
      message: 'use POST',
      eventId: null,
      eventType: null,
    });
    expect(listed.hint).toContain('POST /webhook');
  });

  it('tells an acknowledged event that was not queued, and a 5xx Stripe would retry, from an accepted one', () => {
    const log = createDeliveryLog({ hints: context });

    const ignored = log.record(
      delivery({ responseBody: JSON.stringify({ received: true, id: 'evt_1', ignored: true }) }),
    );
    const notMatched = log.record(
      delivery({ path: '/_local/eventbridge', responseBody: '{}', ignored: 'the rule did not match: no handler' }),
    );
    const failed = log.record(delivery({ status: 503, responseBody: refusal('enqueue_failed') }));
    const notJson = log.record(delivery({ status: 502, responseBody: 'Bad gateway' }));

    expect(ignored).toMatchObject({ outcome: 'ignored', code: null, hint: null });
    expect(ignored.message).toContain('no handler subscribes');
    expect(notMatched).toMatchObject({ outcome: 'ignored', code: null });
    expect(notMatched.message).toContain('the rule did not match');
    expect(failed).toMatchObject({ outcome: 'failed', code: 'enqueue_failed' });
    expect(failed.hint).toContain('moto');
    expect(notJson).toMatchObject({ outcome: 'failed', code: 'http_502', message: 'Answered 502.' });
  });

  it('lists the newest first, at most `limit`, and only one event’s when asked', () => {
    const log = createDeliveryLog({ hints: context });
    for (let i = 1; i <= 5; i += 1) {
      log.record(delivery({ event: { id: i % 2 ? 'evt_odd' : 'evt_even', type: 'invoice.paid' }, bytes: i }));
    }

    expect(log.list().map((d) => d.bytes)).toEqual([5, 4, 3, 2, 1]);
    expect(log.list({ limit: 2 }).map((d) => d.bytes)).toEqual([5, 4]);
    expect(log.list({ eventId: 'evt_even' }).map((d) => d.bytes)).toEqual([4, 2]);
    expect(log.list({ eventId: 'evt_odd', limit: 1 }).map((d) => d.bytes)).toEqual([5]);
  });

  it('keeps only the newest `capacity` deliveries', () => {
    const log = createDeliveryLog({ hints: context, capacity: 3 });

    for (let i = 1; i <= 7; i += 1) log.record(delivery({ bytes: i }));

    expect(log.list().map((d) => d.bytes)).toEqual([7, 6, 5]);
  });
});

describe('the hints', () => {
  it('name the secret on a signature mismatch by its prefix and last 4 characters only, and ask for the raw body', () => {
    const hint = deliveryHint('signature_mismatch', context) ?? '';

    expect(hint).toContain('whsec_…9f3c');
    expect(hint).toContain('from STRIPE_WEBHOOK_SECRET');
    expect(hint).toContain('stripe listen --print-secret');
    expect(hint).toContain('raw body');
    expect(hint).toContain('re-serialized');
    expect(hint).not.toContain(secret);
    expect(hint).not.toContain('unit_delivery_log');
  });

  it('say when the secret is the default local one, and list every secret of a roll, each masked', () => {
    const byDefault = localDeliveryLog(devSigningSecret).record(
      delivery({ status: 400, responseBody: refusal('signature_mismatch') }),
    );
    const rolling = deliveryHint('signature_mismatch', {
      ...context,
      signingSecrets: [secret, 'whsec_unit_older_secret_of_the_roll_77aa'],
    });

    expect(byDefault.hint).toContain('whsec_…tion, the default local secret');
    expect(byDefault.hint).toContain('STRIPE_WEBHOOK_SECRET=$(stripe listen --print-secret) npm start');
    expect(byDefault.hint).not.toContain(devSigningSecret);
    expect(rolling).toContain('any of whsec_…9f3c, whsec_…77aa');
  });

  it('read the secrets as the receiver does: comma-separated, each masked', () => {
    const log = localDeliveryLog(` ${secret} , whsec_unit_second_secret_given_beef`);

    const { hint } = log.record(delivery({ status: 400, responseBody: refusal('signature_mismatch') }));

    expect(hint).toContain('any of whsec_…9f3c, whsec_…beef, from STRIPE_WEBHOOK_SECRET');
  });

  it('give every error code the receiver answers a hint of its own', () => {
    // Every code, checked complete by the type: a new code without a hint fails `npm run typecheck` here.
    const codes: Record<ErrorCode, true> = {
      missing_signature: true,
      malformed_signature: true,
      no_v1_signature: true,
      timestamp_out_of_tolerance: true,
      signature_mismatch: true,
      forbidden_source_ip: true,
      method_not_allowed: true,
      headers_too_large: true,
      payload_too_large: true,
      invalid_base64: true,
      undeclared_base64: true,
      invalid_encoding: true,
      invalid_json: true,
      not_a_stripe_event: true,
      signing_secret_unavailable: true,
      enqueue_failed: true,
      internal_error: true,
    };
    const fallback = deliveryHint('some_code_nobody_answers', context);

    const hints = Object.keys(codes)
      .filter((code) => code !== 'internal_error')
      .map((code) => deliveryHint(code, context));

    expect(fallback).toContain("npm start's terminal");
    expect(deliveryHint('internal_error', context)).toBe(fallback);
    for (const hint of hints) {
      expect(hint).toEqual(expect.any(String));
      expect(hint).not.toBe(fallback);
    }
    expect(deliveryHint('timestamp_out_of_tolerance', context)).toContain('300 s');
    expect(deliveryHint('not_found', context)).toContain('--forward-to localhost:<port>/webhook');
    expect(deliveryHint(null, context)).toBeNull();
  });
});

describe('maskSecret', () => {
  it('shows the prefix and the last 4 characters, and no tail of a short secret', () => {
    expect(maskSecret('whsec_abcdefghijklmnop1234')).toBe('whsec_…1234');
    expect(maskSecret('not_a_whsec_but_long_enough_5678')).toBe('…5678');
    expect(maskSecret('whsec_short')).toBe('whsec_…');
  });
});

describe('parseDeliveriesQuery', () => {
  it('reads limit and eventId, and refuses a limit that is not a whole number from 1 to the capacity', () => {
    expect(parseDeliveriesQuery(new URLSearchParams(''))).toEqual({});
    expect(parseDeliveriesQuery(new URLSearchParams('limit=20&eventId=evt_1'))).toEqual({
      limit: 20,
      eventId: 'evt_1',
    });
    expect(parseDeliveriesQuery(new URLSearchParams('limit=500'))).toEqual({ limit: 500 });
    for (const bad of ['0', '501', '-1', '2.5', 'ten', '']) {
      expect(() => parseDeliveriesQuery(new URLSearchParams(`limit=${bad}`))).toThrow(DeliveriesQueryError);
    }
    expect(() => parseDeliveriesQuery(new URLSearchParams('limit=0'))).toThrow('from 1 to 500');
  });
});
