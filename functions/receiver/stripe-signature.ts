import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * Verifies a `Stripe-Signature` header the way Stripe specifies
 * (https://docs.stripe.com/webhooks#verify-manually): `t=<unix seconds>` and one or more
 * `v1=<hex HMAC-SHA256 of "t.rawBody">`, compared in constant time, within a tolerance.
 *
 * Hand-written on node:crypto instead of calling the stripe SDK's `constructEvent` because the
 * receiver sits on Stripe's request path: loading the SDK costs cold-start time on every new
 * container, and this check is all the receiver needs from it. The test suite cross-checks this
 * verifier against the SDK's own signer (`webhooks.generateTestHeaderString`).
 */

export type SignatureFailureCode =
  | 'missing_signature'
  | 'malformed_signature'
  | 'no_v1_signature'
  | 'timestamp_out_of_tolerance'
  | 'signature_mismatch';

export class SignatureVerificationError extends Error {
  readonly code: SignatureFailureCode;

  constructor(code: SignatureFailureCode, message: string) {
    super(message);
    this.name = 'SignatureVerificationError';
    this.code = code;
  }
}

/**
 * A body as the receiver gets it: the bytes, or (as API Gateway passes a text body) the string whose
 * UTF-8 encoding they are. HMAC over the string encodes it to UTF-8 on the way, with no Buffer copy.
 */
export type WebhookBody = Buffer | string;

export interface ParsedSignatureHeader {
  readonly timestamp: number;
  /** The `v1` signatures, lower-case hex; Stripe sends several while a secret is being rolled. */
  readonly signatures: readonly string[];
}

export interface VerifySignatureInput {
  /** The `Stripe-Signature` header as received. */
  readonly header: string | undefined;
  /** The request body exactly as received: its bytes, or the string whose UTF-8 encoding they are (see {@link WebhookBody}). */
  readonly payload: WebhookBody;
  /** Every signing secret currently valid for this endpoint; a match with any of them is accepted. */
  readonly secrets: readonly string[];
  /** Current time in Unix seconds. */
  readonly nowSeconds: number;
  /** Largest accepted distance between the signature's timestamp and now, either way. */
  readonly toleranceSeconds: number;
}

const hexSha256 = /^[0-9a-f]{64}$/;
const unixSeconds = /^\d{1,12}$/;

export function parseSignatureHeader(header: string | undefined): ParsedSignatureHeader {
  if (header === undefined || header.trim() === '') {
    throw new SignatureVerificationError(
      'missing_signature',
      'The Stripe-Signature header is missing. Stripe sends it with every webhook; requests from anywhere else are refused.',
    );
  }
  let timestamp: number | undefined;
  const signatures: string[] = [];
  let hasV0 = false;
  // Items separated by commas, each `key=value`; walked by index (no split array, no Set per request).
  for (let start = 0; start <= header.length; ) {
    let end = header.indexOf(',', start);
    if (end < 0) end = header.length;
    const separator = header.indexOf('=', start);
    if (separator > start && separator < end) {
      const key = header.slice(start, separator).trim();
      const value = header.slice(separator + 1, end).trim();
      if (key === 't') {
        // Two timestamps make the header ambiguous (which one did the signer use?); Stripe sends one.
        if (timestamp !== undefined) {
          throw new SignatureVerificationError(
            'malformed_signature',
            'The Stripe-Signature header has more than one timestamp (t=...); Stripe sends exactly one.',
          );
        }
        if (!unixSeconds.test(value)) {
          throw new SignatureVerificationError(
            'malformed_signature',
            `The Stripe-Signature header has t=${JSON.stringify(value).slice(0, 24)}, which is not a Unix timestamp in seconds.`,
          );
        }
        timestamp = Number(value);
      } else if (key === 'v1') {
        signatures.push(value.toLowerCase());
      } else if (key === 'v0') {
        hasV0 = true;
      }
    }
    start = end + 1;
  }
  if (timestamp === undefined) {
    throw new SignatureVerificationError(
      'malformed_signature',
      'The Stripe-Signature header has no timestamp (t=...). Expected the form "t=<seconds>,v1=<signature>".',
    );
  }
  if (signatures.length === 0) {
    const onlyV0 = hasV0;
    throw new SignatureVerificationError(
      'no_v1_signature',
      onlyV0
        ? 'The Stripe-Signature header has only a v0 signature; v0 is a legacy test-mode scheme and is not accepted. Stripe signs live and test events with v1.'
        : 'The Stripe-Signature header has no v1 signature. Expected the form "t=<seconds>,v1=<signature>".',
    );
  }
  return { timestamp, signatures };
}

// createHmac imports a string key on every call; a KeyObject made once per secret saves that
// (bench/verify-path.ts: about 2 of the 7 µs an HMAC of a 3 KB body took). Secrets are few (one, two
// while rolling, one more per Connect endpoint), so the map stays tiny; it is emptied should it not.
const keyObjects = new Map<string, KeyObject>();
const maxKeyObjects = 32;

function keyObjectFor(secret: string): KeyObject {
  let key = keyObjects.get(secret);
  if (key === undefined) {
    if (keyObjects.size >= maxKeyObjects) keyObjects.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keyObjects.set(secret, key);
  }
  return key;
}

export function computeSignature(payload: WebhookBody, timestamp: number, secret: string): Buffer {
  const hmac = createHmac('sha256', keyObjectFor(secret)).update(`${timestamp}.`, 'utf8');
  return (typeof payload === 'string' ? hmac.update(payload, 'utf8') : hmac.update(payload)).digest();
}

/** Throws a {@link SignatureVerificationError} unless the header signs `payload` with one of `secrets`. */
export function verifyStripeSignature(input: VerifySignatureInput): ParsedSignatureHeader {
  return verifyParsedSignature(parseSignatureHeader(input.header), input);
}

/**
 * {@link verifyStripeSignature} for a header parsed beforehand, so that a caller can refuse a
 * malformed header before it loads any secret, and verify the same header again with re-read secrets.
 */
export function verifyParsedSignature(
  parsed: ParsedSignatureHeader,
  input: Omit<VerifySignatureInput, 'header'>,
): ParsedSignatureHeader {
  if (!signatureMatches(parsed, input.payload, input.secrets)) {
    throw new SignatureVerificationError(
      'signature_mismatch',
      'No v1 signature in the Stripe-Signature header matches the request body. Are you sending the raw request body ' +
        'exactly as Stripe sent it (not parsed and re-serialized, not re-encoded), and is the endpoint configured with ' +
        "this endpoint's signing secret (whsec_...)?",
    );
  }
  const age = input.nowSeconds - parsed.timestamp;
  if (Math.abs(age) > input.toleranceSeconds) {
    throw new SignatureVerificationError(
      'timestamp_out_of_tolerance',
      age > 0
        ? `The signature's timestamp is ${age} s old, more than the ${input.toleranceSeconds} s allowed; it may be a replay. Stripe retries with a fresh signature.`
        : `The signature's timestamp is ${-age} s in the future, more than the ${input.toleranceSeconds} s allowed; check the sender's clock.`,
    );
  }
  return parsed;
}

/** Whether one of the header's `v1` signatures is the HMAC of `payload` with one of `secrets`; the timestamp is not checked. */
export function signatureMatches(
  parsed: ParsedSignatureHeader,
  payload: WebhookBody,
  secrets: readonly string[],
): boolean {
  const candidates: Buffer[] = [];
  for (const signature of parsed.signatures) {
    if (hexSha256.test(signature)) candidates.push(Buffer.from(signature, 'hex'));
  }
  // No candidate can match: skip hashing the body (the answer is the same mismatch either way).
  if (candidates.length === 0) return false;
  let found = false;
  for (const secret of secrets) {
    const expected = computeSignature(payload, parsed.timestamp, secret);
    // Every candidate is compared with every secret (no early exit) so that the time taken does not
    // tell an attacker which part matched.
    for (const candidate of candidates) {
      if (timingSafeEqual(candidate, expected)) found = true;
    }
  }
  return found;
}
