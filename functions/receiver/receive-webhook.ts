import { errorSummary } from '../shared/errors';
import type { LoggerPort } from '../shared/logger';
import {
  type EventPayloadKind,
  expectedEventShapes,
  identifyStripeEvent,
  type StripeEventIdentity,
} from '../shared/stripe-event-shape';
import { isStrictBase64, type WebhookRequest } from './http-request';
import type { ReceiverMetrics } from './receiver-metrics';
import {
  type ParsedSignatureHeader,
  parseSignatureHeader,
  SignatureVerificationError,
  signatureMatches,
  verifyParsedSignature,
  type WebhookBody,
} from './stripe-signature';
import { receiverLimits } from './tuning';

/** What the receiver puts on the queue: the raw body, untouched, and the metadata to route it. */
export interface QueuedEvent {
  readonly body: string;
  readonly eventId: string;
  readonly eventType: string;
  /** A snapshot event, or a thin event notification (`v2.core.event`) whose object the handler fetches. */
  readonly payload: EventPayloadKind;
  readonly receivedAt: string;
}

export interface ReceiverLimits {
  readonly maxBodyBytes: number;
  readonly maxHeaderBytes: number;
  readonly maxSignatureHeaderBytes: number;
}

export interface ReceiverDependencies {
  /** Resolves the endpoint's signing secrets (cached by the caller). */
  readonly signingSecrets: () => Promise<readonly string[]>;
  /**
   * The signing secrets when they are at hand without waiting (cached and fresh), else undefined; then
   * `signingSecrets` is awaited. Saves an `await` on nearly every request.
   * @default always awaits signingSecrets
   */
  readonly cachedSigningSecrets?: () => readonly string[] | undefined;
  /**
   * Called when no signature matched: re-reads the secrets if the cache allows it now, so that a
   * secret rolled a moment ago works at once; resolves to `undefined` when it did not re-read.
   * @default never re-reads
   */
  readonly refreshSigningSecrets?: () => Promise<readonly string[] | undefined>;
  /** Resolves once the queue has durably accepted the event. */
  readonly enqueue: (event: QueuedEvent) => Promise<void>;
  /**
   * Whether any handler subscribes to events of this type; events of other types are acknowledged, not queued.
   * @default every type is queued
   */
  readonly isSubscribed?: (eventType: string) => boolean;
  /** When set, only requests from these source addresses are accepted (Stripe's webhook IPs); others get 403. */
  readonly allowedSourceIps?: ReadonlySet<string>;
  readonly now: () => Date;
  readonly toleranceSeconds: number;
  /** @default receiverLimits from config/settings.ts */
  readonly limits?: ReceiverLimits;
  readonly logger: LoggerPort;
  /** @default counts nothing */
  readonly metrics?: ReceiverMetrics;
}

export type ErrorCode =
  | SignatureVerificationError['code']
  | 'forbidden_source_ip'
  | 'method_not_allowed'
  | 'headers_too_large'
  | 'payload_too_large'
  | 'invalid_base64'
  | 'undeclared_base64'
  | 'invalid_encoding'
  | 'invalid_json'
  | 'not_a_stripe_event'
  | 'signing_secret_unavailable'
  | 'enqueue_failed'
  | 'internal_error';

export type WebhookResponseBody =
  /** `ignored`: verified, but no handler subscribes to the type, so it was not queued. */
  | { readonly received: true; readonly id: string; readonly ignored?: true }
  | { readonly error: { readonly code: ErrorCode; readonly message: string } };

export interface WebhookResponse {
  readonly statusCode: number;
  readonly body: WebhookResponseBody;
  readonly headers?: Readonly<Record<string, string>>;
}

export function failure(
  statusCode: number,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): WebhookResponse {
  return { statusCode, body: { error: { code, message } }, ...(headers ? { headers } : {}) };
}

/** A 4xx: logged (without the request's content) and counted by reason. */
function reject(
  deps: ReceiverDependencies,
  statusCode: number,
  code: ErrorCode,
  message: string,
  options: { readonly headers?: Record<string, string>; readonly details?: Record<string, unknown> } = {},
): WebhookResponse {
  deps.logger.warn('Rejected webhook', { ...options.details, outcome: 'rejected', reason: code, status: statusCode });
  deps.metrics?.count('Rejected', code);
  return failure(statusCode, code, message, options.headers);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// A UTF-16 code unit is at most 3 UTF-8 bytes: text of up to a third of a limit in code units is
// within it, with no need to count its bytes (which would scan it once more on every request).
const maxUtf8BytesPerCodeUnit = 3;

/** Bytes of `text` in UTF-8, or undefined when it is certainly within `limit` (counted only when it might not be). */
function utf8BytesOver(text: string, limit: number): number | undefined {
  if (text.length * maxUtf8BytesPerCodeUnit <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

/** The body's size in bytes when it is over `limit`, else undefined. */
function bodyBytesOver(body: WebhookBody, limit: number): number | undefined {
  if (typeof body === 'string') return utf8BytesOver(body, limit);
  return body.length > limit ? body.length : undefined;
}

/** Total size of the headers as on the wire (name, ": ", value, CRLF) when it is over `limit`, else undefined. */
function headerBytesOver(headers: Readonly<Record<string, string>>, limit: number): number | undefined {
  let codeUnits = 0;
  for (const name in headers) codeUnits += name.length + (headers[name]?.length ?? 0) + 4;
  if (codeUnits * maxUtf8BytesPerCodeUnit <= limit) return undefined;
  let total = 0;
  for (const [name, value] of Object.entries(headers)) total += Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
  return total > limit ? total : undefined;
}

// ES2024, in Node.js since 20; not yet in the TypeScript lib this project targets.
type MaybeWellFormed = string & { isWellFormed(): boolean };

/**
 * The body as text, if it is strict UTF-8. A string from API Gateway is the text of the bytes that
 * were sent (and signed): well-formed, it is used as it is, with no copy; one holding a lone surrogate
 * stands for the bytes its UTF-8 encoding gives (U+FFFD in its place), as the signature was checked
 * against. Bytes are decoded strictly: undefined when they are not UTF-8.
 */
function bodyText(body: WebhookBody): string | undefined {
  if (typeof body === 'string') {
    return (body as MaybeWellFormed).isWellFormed() ? body : strictUtf8.decode(Buffer.from(body, 'utf8'));
  }
  try {
    return strictUtf8.decode(body);
  } catch {
    return undefined;
  }
}

/** Refusals that need neither a secret nor the body's content: who sent it, how, and how much. */
function checkRequestShape(request: WebhookRequest, deps: ReceiverDependencies): WebhookResponse | undefined {
  const limits = deps.limits ?? receiverLimits;
  if (deps.allowedSourceIps !== undefined && !deps.allowedSourceIps.has(request.sourceIp ?? '')) {
    return reject(
      deps,
      403,
      'forbidden_source_ip',
      "This endpoint accepts requests only from Stripe's webhook IP addresses (https://stripe.com/files/ips/ips_webhooks.txt).",
      // The address is the sender's, not customer data, and tells an operator whether Stripe added one.
      { details: { sourceIp: request.sourceIp } },
    );
  }
  // Methods are case-sensitive (RFC 9110): "post" is not POST.
  if (request.method !== 'POST') {
    return reject(
      deps,
      405,
      'method_not_allowed',
      `Stripe webhooks are delivered with POST, not ${JSON.stringify(request.method.slice(0, 20))}.`,
      { headers: { allow: 'POST' } },
    );
  }
  const signatureBytes = utf8BytesOver(request.headers['stripe-signature'] ?? '', limits.maxSignatureHeaderBytes);
  if (signatureBytes !== undefined) {
    return reject(
      deps,
      431,
      'headers_too_large',
      `The Stripe-Signature header is ${signatureBytes} bytes; at most ${limits.maxSignatureHeaderBytes} are accepted (Stripe's is about 150).`,
    );
  }
  const allHeaderBytes = headerBytesOver(request.headers, limits.maxHeaderBytes);
  if (allHeaderBytes !== undefined) {
    return reject(
      deps,
      431,
      'headers_too_large',
      `The request headers total ${allHeaderBytes} bytes; at most ${limits.maxHeaderBytes} are accepted.`,
    );
  }
  const bodyBytes = bodyBytesOver(request.body, limits.maxBodyBytes);
  if (bodyBytes !== undefined) {
    return reject(
      deps,
      413,
      'payload_too_large',
      `The body is ${bodyBytes} bytes; at most ${limits.maxBodyBytes} are accepted. Stripe events are far smaller.`,
    );
  }
  if (request.bodyProblem === 'invalid_base64') {
    return reject(
      deps,
      400,
      'invalid_base64',
      'The request says its body is base64-encoded (isBase64Encoded), but it is not valid base64. Whatever forwards ' +
        'the request must pass the raw body unchanged, and flag it as base64 only if it encoded it.',
    );
  }
  return undefined;
}

type Verification = { readonly ok: true } | { readonly ok: false; readonly error: SignatureVerificationError };

function verify(
  parsed: ParsedSignatureHeader,
  request: WebhookRequest,
  secrets: readonly string[],
  receivedAt: Date,
  deps: ReceiverDependencies,
): Verification {
  try {
    verifyParsedSignature(parsed, {
      payload: request.body,
      secrets,
      nowSeconds: Math.floor(receivedAt.getTime() / 1000),
      toleranceSeconds: deps.toleranceSeconds,
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof SignatureVerificationError) return { ok: false, error };
    throw error;
  }
}

async function refreshedSecrets(
  deps: ReceiverDependencies,
  used: readonly string[],
): Promise<readonly string[] | undefined> {
  if (deps.refreshSigningSecrets === undefined) return undefined;
  let refreshed: readonly string[] | undefined;
  try {
    refreshed = await deps.refreshSigningSecrets();
  } catch (error) {
    deps.logger.warn('Could not re-read the signing secret after a mismatch', { error: errorSummary(error) });
    return undefined;
  }
  if (refreshed === undefined) return undefined;
  const unchanged = refreshed.length === used.length && refreshed.every((secret) => used.includes(secret));
  return unchanged ? undefined : refreshed;
}

/**
 * A body sent base64-encoded without `isBase64Encoded`: the signature matches the decoded bytes.
 * Only used to explain a mismatch, never to accept one.
 */
function isUndeclaredBase64(parsed: ParsedSignatureHeader, body: WebhookBody, secrets: readonly string[]): boolean {
  if (body.length === 0) return false;
  // Base64 is ASCII: a string body is base64 as it stands, or not at all.
  const text = typeof body === 'string' ? body : body.toString('latin1');
  return isStrictBase64(text) && signatureMatches(parsed, Buffer.from(text, 'base64'), secrets);
}

/**
 * The event's identity, undefined for JSON of another shape, 'invalid_json' for text that is not JSON.
 * A function of its own so that the parsed object is never a local of the async receiveWebhook: it
 * would stay reachable across its awaits (the enqueue), and a large event's objects would then
 * survive young-generation collections instead of dying at once.
 */
function identifyBody(text: string): StripeEventIdentity | undefined | 'invalid_json' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'invalid_json';
  }
  return identifyStripeEvent(parsed);
}

/**
 * Verifies a webhook request and enqueues it. Answers 2xx only after the queue accepted the event (or
 * when no handler wants it); a request that can never be valid gets 4xx (Stripe stops retrying it),
 * and anything that might succeed later (secret or queue unavailable) gets 5xx so that Stripe retries.
 * Cheap checks come first: a request refused for its shape or its header costs no secret lookup.
 */
export async function receiveWebhook(request: WebhookRequest, deps: ReceiverDependencies): Promise<WebhookResponse> {
  const { logger, metrics } = deps;
  const refusedForShape = checkRequestShape(request, deps);
  if (refusedForShape !== undefined) return refusedForShape;

  let parsed: ParsedSignatureHeader;
  try {
    parsed = parseSignatureHeader(request.headers['stripe-signature']);
  } catch (error) {
    if (error instanceof SignatureVerificationError) return reject(deps, 400, error.code, error.message);
    throw error;
  }

  // One clock read per request: the signature's age is measured from when the request came, not from
  // when a secret still loading at a cold start arrived, and the queued event carries the same instant.
  const receivedAt = deps.now();
  let secrets: readonly string[] | undefined = deps.cachedSigningSecrets?.();
  try {
    secrets ??= await deps.signingSecrets();
  } catch (error) {
    logger.error('Signing secret unavailable', { outcome: 'secret_unavailable', error: errorSummary(error) });
    metrics?.count('SecretUnavailable');
    return failure(500, 'signing_secret_unavailable', 'The signing secret could not be loaded; Stripe will retry.');
  }

  let verification = verify(parsed, request, secrets, receivedAt, deps);
  if (!verification.ok && verification.error.code === 'signature_mismatch') {
    const refreshed = await refreshedSecrets(deps, secrets);
    if (refreshed !== undefined) {
      secrets = refreshed;
      verification = verify(parsed, request, secrets, receivedAt, deps);
      if (verification.ok) {
        logger.info('Signature matched a signing secret re-read after a mismatch', { outcome: 'secret_refreshed' });
      }
    }
  }
  if (!verification.ok) {
    const { error } = verification;
    if (error.code === 'signature_mismatch' && isUndeclaredBase64(parsed, request.body, secrets)) {
      return reject(
        deps,
        400,
        'undeclared_base64',
        'The body is base64-encoded, but the request does not say so (isBase64Encoded is false): the signature ' +
          'matches the decoded body. Whatever forwards the request must pass the raw body unchanged, or flag it as base64.',
      );
    }
    return reject(deps, 400, error.code, error.message);
  }

  const text = bodyText(request.body);
  if (text === undefined) {
    return reject(deps, 400, 'invalid_encoding', 'The body is not valid UTF-8; Stripe sends JSON encoded as UTF-8.');
  }
  const event = identifyBody(text);
  if (event === 'invalid_json') {
    return reject(
      deps,
      400,
      'invalid_json',
      'The body is validly signed but is not JSON; a Stripe event is a JSON object.',
    );
  }
  if (event === undefined) {
    return reject(deps, 400, 'not_a_stripe_event', `The body is JSON but not a Stripe event: ${expectedEventShapes}.`);
  }

  const details = {
    eventId: event.id,
    eventType: event.type,
    ...(event.payload === 'thin' ? { payload: event.payload } : {}),
  };
  if (deps.isSubscribed !== undefined && !deps.isSubscribed(event.type)) {
    // Acknowledged, so Stripe does not retry it: nothing here would ever handle it. The endpoint
    // should not be sent this type at all (see the list of types to enable in docs/deploy.md).
    logger.info('Ignored webhook: no handler subscribes to its type', { ...details, outcome: 'ignored' });
    metrics?.count('Ignored');
    return { statusCode: 200, body: { received: true, id: event.id, ignored: true } };
  }
  try {
    await deps.enqueue({
      body: text,
      eventId: event.id,
      eventType: event.type,
      payload: event.payload,
      receivedAt: receivedAt.toISOString(),
    });
  } catch (error) {
    logger.error('Could not enqueue webhook', { ...details, outcome: 'enqueue_failed', error: errorSummary(error) });
    metrics?.count('EnqueueFailed');
    return failure(503, 'enqueue_failed', 'The event could not be queued; it was not accepted. Stripe will retry.');
  }
  logger.info('Accepted webhook', { ...details, outcome: 'accepted' });
  metrics?.count('Accepted');
  return { statusCode: 200, body: { received: true, id: event.id } };
}
