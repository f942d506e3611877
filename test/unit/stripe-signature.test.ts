import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import {
  computeSignature,
  parseSignatureHeader,
  SignatureVerificationError,
  verifyStripeSignature,
} from '../../functions/receiver/stripe-signature';

const secret = 'whsec_test_secret_for_unit_tests_only';
const otherSecret = 'whsec_another_test_secret_for_unit_tests';
const now = 1_800_000_000;
const payload = JSON.stringify({ id: 'evt_test_1', object: 'event', type: 'invoice.paid', data: { object: {} } });

function stripeHeader(body: string, signingSecret = secret, timestamp = now): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret: signingSecret, timestamp });
}

function verify(header: string | undefined, body: string | Buffer = payload, secrets = [secret], nowSeconds = now) {
  return verifyStripeSignature({
    header,
    payload: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    secrets,
    nowSeconds,
    toleranceSeconds: 300,
  });
}

function failureCode(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof SignatureVerificationError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('verifyStripeSignature, cross-checked with the stripe package', () => {
  it('accepts headers made by stripe.webhooks.generateTestHeaderString for varied payloads', () => {
    // Prepare: payloads with unicode, escapes and random bytes of JSON strings
    const payloads = [payload, '{"a":"é ü 日本 🎉"}', JSON.stringify({ s: randomBytes(512).toString('base64') }), '{}'];
    for (const body of payloads) {
      // Act / Assess
      expect(verify(stripeHeader(body), body).timestamp).toBe(now);
    }
  });

  it('computes the same v1 signature as stripe does', () => {
    // Prepare
    const header = stripeHeader(payload);
    // Act
    const ours = computeSignature(Buffer.from(payload), now, secret).toString('hex');
    // Assess
    expect(parseSignatureHeader(header).signatures).toEqual([ours]);
  });

  it('rejects what stripe.webhooks.constructEvent rejects for a changed body', () => {
    // Prepare
    const header = stripeHeader(payload);
    const tampered = payload.replace('invoice.paid', 'invoice.pAid');
    // Act
    const ourVerdict = failureCode(() => verify(header, tampered));
    const stripeThrows = (() => {
      try {
        Stripe.webhooks.constructEvent(tampered, header, secret, 300, undefined, now);
        return false;
      } catch {
        return true;
      }
    })();
    // Assess
    expect(ourVerdict).toBe('signature_mismatch');
    expect(stripeThrows).toBe(true);
  });
});

describe('verifyStripeSignature', () => {
  it('accepts a header with several v1 signatures when any one matches', () => {
    // Prepare
    const good = computeSignature(Buffer.from(payload), now, secret).toString('hex');
    const header = `t=${now},v1=${'0'.repeat(64)},v1=${good},v0=${'1'.repeat(64)}`;
    // Act / Assess
    expect(verify(header).signatures).toHaveLength(2);
  });

  it('accepts any of several secrets (rotation) and refuses a third', () => {
    // Prepare
    const secrets = [otherSecret, secret];
    // Act / Assess
    expect(failureCode(() => verify(stripeHeader(payload, secret), payload, secrets))).toBe('accepted');
    expect(failureCode(() => verify(stripeHeader(payload, otherSecret), payload, secrets))).toBe('accepted');
    expect(failureCode(() => verify(stripeHeader(payload, 'whsec_third_test_secret'), payload, secrets))).toBe(
      'signature_mismatch',
    );
  });

  it.each([
    ['300 s old', now - 300, 'accepted'],
    ['301 s old', now - 301, 'timestamp_out_of_tolerance'],
    ['300 s ahead', now + 300, 'accepted'],
    ['301 s ahead', now + 301, 'timestamp_out_of_tolerance'],
  ])('applies the 300 s tolerance at its edges: %s', (_label, timestamp, expected) => {
    // Prepare
    const header = stripeHeader(payload, secret, timestamp);
    // Act / Assess
    expect(failureCode(() => verify(header))).toBe(expected);
  });

  it.each([
    ['missing header', undefined, 'missing_signature'],
    ['empty header', '', 'missing_signature'],
    ['no timestamp', `v1=${'a'.repeat(64)}`, 'malformed_signature'],
    ['timestamp not an integer', `t=12.5,v1=${'a'.repeat(64)}`, 'malformed_signature'],
    ['no v1', `t=${now}`, 'no_v1_signature'],
    ['only v0', `t=${now},v0=${'a'.repeat(64)}`, 'no_v1_signature'],
    ['v1 not hex', `t=${now},v1=zz`, 'signature_mismatch'],
    ['two timestamps, the signed one last', `t=${now - 999},${stripeHeader(payload)}`, 'malformed_signature'],
    ['two timestamps, the signed one first', `${stripeHeader(payload)},t=${now - 999}`, 'malformed_signature'],
  ])('refuses a bad header: %s', (_label, header, expected) => {
    // Act / Assess
    expect(failureCode(() => verify(header))).toBe(expected);
  });

  it('says in the mismatch message that the raw body must reach the verifier unchanged', () => {
    // Prepare
    const reserialized = JSON.stringify(JSON.parse(payload), null, 2);
    // Act / Assess
    expect(() => verify(stripeHeader(payload), reserialized)).toThrow(/raw request body/);
  });

  it('refuses a body with one byte changed', () => {
    // Prepare
    const bytes = Buffer.from(payload);
    const header = stripeHeader(payload);
    for (const index of [0, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const changed = Buffer.from(bytes);
      changed[index] = (changed[index] ?? 0) ^ 0x01;
      // Act / Assess
      expect(failureCode(() => verify(header, changed))).toBe('signature_mismatch');
    }
  });

  it('says a v0-only header is a legacy scheme', () => {
    expect(() => verify(`t=${now},v0=${'a'.repeat(64)}`)).toThrow(/v0 is a legacy/);
  });
});
