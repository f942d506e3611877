import type { WebhookRequest } from './http-request';
import { SignatureVerificationError, verifyStripeSignature } from './stripe-signature';

/** What the receiver puts on the queue: the raw body, untouched, and the metadata to route it. */
export interface QueuedEvent {
  readonly body: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly receivedAt: string;
}

export interface ReceiverLogger {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

export interface ReceiverDependencies {
  /** Resolves the endpoint's signing secrets (cached by the caller). */
  readonly signingSecrets: () => Promise<readonly string[]>;
  /** Resolves once the queue has durably accepted the event. */
  readonly enqueue: (event: QueuedEvent) => Promise<void>;
  readonly now: () => Date;
  readonly toleranceSeconds: number;
  readonly logger: ReceiverLogger;
}

export type ErrorCode =
  | SignatureVerificationError['code']
  | 'method_not_allowed'
  | 'invalid_encoding'
  | 'invalid_json'
  | 'not_a_stripe_event'
  | 'signing_secret_unavailable'
  | 'enqueue_failed';

export interface WebhookResponse {
  readonly statusCode: number;
  readonly body:
    | { readonly received: true; readonly id: string }
    | { readonly error: { code: ErrorCode; message: string } };
  readonly headers?: Readonly<Record<string, string>>;
}

function failure(
  statusCode: number,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): WebhookResponse {
  return { statusCode, body: { error: { code, message } }, ...(headers ? { headers } : {}) };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

interface StripeEventEnvelope {
  readonly id: string;
  readonly type: string;
}

function asStripeEvent(value: unknown): StripeEventEnvelope | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Record<string, unknown>;
  const data = candidate.data as Record<string, unknown> | undefined;
  if (
    candidate.object === 'event' &&
    typeof candidate.id === 'string' &&
    candidate.id.startsWith('evt_') &&
    typeof candidate.type === 'string' &&
    candidate.type.length > 0 &&
    typeof data === 'object' &&
    data !== null &&
    typeof data.object === 'object' &&
    data.object !== null
  ) {
    return { id: candidate.id, type: candidate.type };
  }
  return undefined;
}

/**
 * Verifies a webhook request and enqueues it. Answers 2xx only after the queue accepted the event;
 * a request that can never be valid gets 4xx (Stripe stops retrying it), and anything that might
 * succeed later (secret or queue unavailable) gets 5xx so that Stripe retries.
 */
export async function receiveWebhook(request: WebhookRequest, deps: ReceiverDependencies): Promise<WebhookResponse> {
  const { logger } = deps;
  if (request.method.toUpperCase() !== 'POST') {
    return failure(405, 'method_not_allowed', `Stripe webhooks are delivered with POST, not ${request.method}.`, {
      allow: 'POST',
    });
  }

  let secrets: readonly string[];
  try {
    secrets = await deps.signingSecrets();
  } catch (error) {
    logger.error('Signing secret unavailable', { outcome: 'secret_unavailable', error: errorSummary(error) });
    return failure(500, 'signing_secret_unavailable', 'The signing secret could not be loaded; Stripe will retry.');
  }

  try {
    verifyStripeSignature({
      header: request.headers['stripe-signature'],
      payload: request.body,
      secrets,
      nowSeconds: Math.floor(deps.now().getTime() / 1000),
      toleranceSeconds: deps.toleranceSeconds,
    });
  } catch (error) {
    if (error instanceof SignatureVerificationError) {
      logger.warn('Rejected webhook', { outcome: 'rejected', reason: error.code });
      return failure(400, error.code, error.message);
    }
    throw error;
  }

  let text: string;
  try {
    text = strictUtf8.decode(request.body);
  } catch {
    logger.warn('Rejected webhook', { outcome: 'rejected', reason: 'invalid_encoding' });
    return failure(400, 'invalid_encoding', 'The body is not valid UTF-8; Stripe sends JSON encoded as UTF-8.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    logger.warn('Rejected webhook', { outcome: 'rejected', reason: 'invalid_json' });
    return failure(400, 'invalid_json', 'The body is validly signed but is not JSON; a Stripe event is a JSON object.');
  }
  const event = asStripeEvent(parsed);
  if (event === undefined) {
    logger.warn('Rejected webhook', { outcome: 'rejected', reason: 'not_a_stripe_event' });
    return failure(
      400,
      'not_a_stripe_event',
      'The body is JSON but not a Stripe event: expected {"object": "event", "id": "evt_...", "type": "...", "data": {"object": {...}}}.',
    );
  }

  const details = { eventId: event.id, eventType: event.type };
  try {
    await deps.enqueue({ body: text, eventId: event.id, eventType: event.type, receivedAt: deps.now().toISOString() });
  } catch (error) {
    logger.error('Could not enqueue webhook', { ...details, outcome: 'enqueue_failed', error: errorSummary(error) });
    return failure(503, 'enqueue_failed', 'The event could not be queued; it was not accepted. Stripe will retry.');
  }
  logger.info('Accepted webhook', { ...details, outcome: 'accepted' });
  return { statusCode: 200, body: { received: true, id: event.id } };
}

/** The error's class and message only: never a body, a header or a secret. */
export function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
