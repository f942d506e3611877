/**
 * Every request the local endpoint answered at `/webhook` (and `/_local/eventbridge`), accepted or refused:
 * what Stripe's dashboard shows per attempt (when, the response status, how long it took, how large the
 * body was) with, for a refusal, the receiver's error code and message and one line on what to fix. Kept
 * in memory, the newest {@link defaultDeliveryCapacity} only; `GET /_local/deliveries` and the console's
 * Deliveries view read it.
 */
import { webhookPath } from '../../config/contract';
import { signatureToleranceSeconds } from '../../functions/receiver/tuning';
import { devSigningSecret } from './defaults';

/** How many deliveries are kept: the oldest go first. */
export const defaultDeliveryCapacity = 500;

/** What happened to a delivery, read from its answer. */
export type DeliveryOutcome =
  /** 2xx, and the event was queued. */
  | 'accepted'
  /** 2xx, not queued: no handler subscribes to its type (or, via EventBridge, the rule did not match). */
  | 'ignored'
  /** 4xx: Stripe would not retry it; the sender must change something. */
  | 'refused'
  /** 5xx: Stripe would retry it. */
  | 'failed';

/** One request to the endpoint, as `GET /_local/deliveries` lists it. */
export interface LocalDelivery {
  /** When the request arrived (ISO). */
  readonly at: string;
  readonly method: string;
  readonly path: string;
  /** The HTTP status the endpoint answered. */
  readonly status: number;
  readonly outcome: DeliveryOutcome;
  /** The receiver's error code (`signature_mismatch`, `payload_too_large`, ...); null when accepted. */
  readonly code: string | null;
  /** The error message answered (or why an acknowledged event was not queued); null when accepted. */
  readonly message: string | null;
  /** What to fix, one line; null when accepted. */
  readonly hint: string | null;
  /** From the request's arrival to the answer, in milliseconds. */
  readonly latencyMs: number;
  /** Size of the request body in bytes. */
  readonly bytes: number;
  /** The event's id and type when the body parsed as one, else null. */
  readonly eventId: string | null;
  readonly eventType: string | null;
}

/** What the endpoint knows of a request once it answered it. */
export interface DeliveryRecord {
  readonly at: Date;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The body answered: JSON, with `error.code` and `error.message` for a refusal. */
  readonly responseBody: string | undefined;
  readonly latencyMs: number;
  readonly bytes: number;
  /** The event's id and type when the body parsed as one. */
  readonly event?: { readonly id: string; readonly type: string };
  /** Why a 2xx did not queue it (e.g. `no handler subscribes to its type`), when the endpoint knows. */
  readonly ignored?: string;
}

/** Where the signing secret came from, for the hint on a signature mismatch. */
export type SigningSecretSource =
  /** The public dev secret `npm start` uses without STRIPE_WEBHOOK_SECRET. */
  | 'default'
  /** STRIPE_WEBHOOK_SECRET (for `stripe listen`, the secret it prints). */
  | 'environment';

/** What the hints need to say what to fix. */
export interface DeliveryHintContext {
  /** The secret(s) the receiver accepts; only their `whsec_` prefix and last 4 characters are ever shown. */
  readonly signingSecrets: readonly string[];
  readonly secretSource: SigningSecretSource;
  /** The path Stripe posts to, e.g. `/webhook`. */
  readonly webhookPath: string;
  /** How far the signature's timestamp may be from now. */
  readonly toleranceSeconds: number;
}

export interface DeliveriesQuery {
  /** At most this many, newest first. @default all kept */
  readonly limit?: number;
  /** Only the deliveries of this event. @default all */
  readonly eventId?: string;
}

export interface DeliveryLog {
  /** Keeps the delivery (dropping the oldest beyond the capacity) and returns it as listed. */
  record(delivery: DeliveryRecord): LocalDelivery;
  /** Newest first. */
  list(query?: DeliveriesQuery): LocalDelivery[];
}

/** Enough of a secret to recognise it, never enough to use it: `whsec_…a1b2`. */
export function maskSecret(secret: string): string {
  const prefix = secret.startsWith('whsec_') ? 'whsec_' : '';
  // A short secret would be mostly shown by its last 4 characters.
  const tail = secret.length - prefix.length >= 12 ? secret.slice(-4) : '';
  return `${prefix}…${tail}`;
}

function describeSecrets(context: DeliveryHintContext): string {
  const masked = context.signingSecrets.map(maskSecret);
  const which = masked.length === 1 ? masked[0] : `any of ${masked.join(', ')}`;
  return context.secretSource === 'default'
    ? `This pipeline verifies with ${which}, the default local secret (npm start without STRIPE_WEBHOOK_SECRET): ` +
        'sign with it (npm run trigger and the console do), or, to forward from the Stripe CLI, restart with ' +
        'STRIPE_WEBHOOK_SECRET=$(stripe listen --print-secret) npm start.'
    : `This pipeline verifies with ${which}, from STRIPE_WEBHOOK_SECRET: the sender must sign with that secret ` +
        '(for the Stripe CLI, the one stripe listen --print-secret prints; a Dashboard endpoint has its own whsec_).';
}

const rawBody =
  'Sign and post the raw body bytes as they are: JSON parsed and re-serialized (spacing, key order, escaping) no longer matches its signature.';

/** One line on what to fix for a refusal (or a failure) with this code; null when there is nothing to fix. */
export function deliveryHint(code: string | null, context: DeliveryHintContext): string | null {
  switch (code) {
    case null:
      return null;
    case 'signature_mismatch':
      return `${describeSecrets(context)} ${rawBody}`;
    case 'missing_signature':
      return 'Send the Stripe-Signature header, as Stripe, stripe listen and npm run trigger do: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the signing secret>.';
    case 'malformed_signature':
      return 'Send the Stripe-Signature header as Stripe writes it: one t=<unix seconds> and v1=<64 hex digits>, comma-separated, unchanged by whatever forwards it.';
    case 'no_v1_signature':
      return 'Sign with the v1 scheme (HMAC-SHA256, hex), as Stripe does for live and test events: t=<unix seconds>,v1=<signature>; v0 is not accepted.';
    case 'timestamp_out_of_tolerance':
      return `Sign at send time: the signature's t= must be within ${context.toleranceSeconds} s of this machine's clock, so a saved request cannot be posted again later (the console's Resend and npm run trigger sign afresh); check the sender's clock.`;
    case 'method_not_allowed':
      return `Stripe delivers with POST: send POST ${context.webhookPath} (opening it in a browser is a GET).`;
    case 'payload_too_large':
      return 'Post only the Stripe event, a few KB: the body is over the limit the message names (API Gateway refuses over 10 MB, the receiver over its own limit).';
    case 'headers_too_large':
      return 'Send only the headers Stripe sends (Stripe-Signature is about 150 bytes): something in between adds large headers or cookies.';
    case 'invalid_base64':
    case 'undeclared_base64':
      return 'Forward the body as the bytes received: whatever is in between base64-encoded it (or flagged it as base64 when it was not).';
    case 'invalid_encoding':
      return 'Post the body as UTF-8, the bytes unchanged: Stripe sends JSON encoded as UTF-8.';
    case 'invalid_json':
      return 'Post a Stripe event, which is JSON: the body was signed but does not parse (npm run trigger -- invoice.paid sends a valid one).';
    case 'not_a_stripe_event':
      return 'Post the whole Stripe event ({"id": "evt_...", "object": "event", "type": ..., "data": {"object": ...}}), not only its data.object.';
    case 'forbidden_source_ip':
      return "Only Stripe's webhook IP addresses are allowed: post from one, or turn the allow-list off.";
    case 'signing_secret_unavailable':
      return "The receiver could not read the signing secret from the emulator's Secrets Manager: is moto still running (see npm start's terminal)? Stripe would retry this.";
    case 'enqueue_failed':
      return "The emulator's SQS did not take the event: is moto still running (see npm start's terminal)? Stripe would retry this.";
    case 'not_found':
      return `Stripe posts to ${context.webhookPath}: point the endpoint there, e.g. stripe listen --forward-to localhost:<port>${context.webhookPath}.`;
    case 'invalid_eventbridge_event':
      return 'Post the envelope as EventBridge delivers it: {"detail-type": "<event type>", "source": "aws.partner/stripe.com/ed_...", "detail": <the Stripe event>} (npm run trigger -- invoice.paid --via eventbridge builds one).';
    default:
      return "See npm start's terminal for the error; POWERTOOLS_LOG_LEVEL=INFO npm start shows the receiver's logs too.";
  }
}

interface AnswerFacts {
  readonly code: string | null;
  readonly message: string | null;
  readonly ignored: boolean;
}

/** The error code and message of a JSON answer, and whether it says the event was acknowledged and not queued. */
function readAnswer(body: string | undefined): AnswerFacts {
  try {
    const parsed = JSON.parse(body ?? '') as {
      error?: { code?: unknown; message?: unknown };
      ignored?: unknown;
      status?: unknown;
    };
    return {
      code: typeof parsed.error?.code === 'string' ? parsed.error.code : null,
      message: typeof parsed.error?.message === 'string' ? parsed.error.message : null,
      ignored: parsed.ignored === true || parsed.status === 'not_matched',
    };
  } catch {
    return { code: null, message: null, ignored: false };
  }
}

function outcomeOf(status: number, ignored: boolean): DeliveryOutcome {
  if (status >= 500) return 'failed';
  if (status >= 400) return 'refused';
  return ignored ? 'ignored' : 'accepted';
}

/**
 * Reads `?limit=` and `?eventId=`; throws a {@link DeliveriesQueryError} saying what to send for a
 * limit that is not a whole number from 1 to the capacity.
 */
export function parseDeliveriesQuery(
  search: URLSearchParams,
  capacity: number = defaultDeliveryCapacity,
): DeliveriesQuery {
  const limitText = search.get('limit');
  const eventId = search.get('eventId') ?? undefined;
  if (limitText === null) return eventId === undefined ? {} : { eventId };
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > capacity) {
    throw new DeliveriesQueryError(
      `limit=${JSON.stringify(limitText).slice(0, 24)} is not a whole number from 1 to ${capacity} (the deliveries kept).`,
    );
  }
  return eventId === undefined ? { limit } : { limit, eventId };
}

export class DeliveriesQueryError extends Error {
  readonly code = 'invalid_query';
  constructor(message: string) {
    super(message);
    this.name = 'DeliveriesQueryError';
  }
}

export function createDeliveryLog(options: {
  readonly hints: DeliveryHintContext;
  /** @default defaultDeliveryCapacity */
  readonly capacity?: number;
}): DeliveryLog {
  const capacity = options.capacity ?? defaultDeliveryCapacity;
  // Oldest first; the oldest is dropped once full (500 small objects: a shift is cheap).
  const kept: LocalDelivery[] = [];
  return {
    record(delivery) {
      const answer = readAnswer(delivery.responseBody);
      const ignored = answer.ignored || delivery.ignored !== undefined;
      const outcome = outcomeOf(delivery.status, ignored);
      const problem = outcome === 'refused' || outcome === 'failed';
      const code = problem ? (answer.code ?? `http_${delivery.status}`) : null;
      const entry: LocalDelivery = {
        at: delivery.at.toISOString(),
        method: delivery.method,
        path: delivery.path,
        status: delivery.status,
        outcome,
        code,
        message: problem
          ? (answer.message ?? `Answered ${delivery.status}.`)
          : outcome === 'ignored'
            ? `Answered ${delivery.status}, not queued: ${delivery.ignored ?? 'no handler subscribes to its type'}.`
            : null,
        hint: problem ? deliveryHint(code, options.hints) : null,
        latencyMs: Math.round(delivery.latencyMs * 10) / 10,
        bytes: delivery.bytes,
        eventId: delivery.event?.id ?? null,
        eventType: delivery.event?.type ?? null,
      };
      kept.push(entry);
      if (kept.length > capacity) kept.shift();
      return entry;
    },
    list(query = {}) {
      const newestFirst = [...kept].reverse();
      const matching =
        query.eventId === undefined ? newestFirst : newestFirst.filter((d) => d.eventId === query.eventId);
      return query.limit === undefined ? matching : matching.slice(0, query.limit);
    },
  };
}

/**
 * The local pipeline's delivery log: its hints name the secret(s) it was given (comma-separated, as the
 * receiver reads them) and whether that is the default local secret or STRIPE_WEBHOOK_SECRET's.
 */
export function localDeliveryLog(signingSecret: string, capacity?: number): DeliveryLog {
  const signingSecrets = signingSecret
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  return createDeliveryLog({
    hints: {
      signingSecrets,
      secretSource: signingSecrets.length === 1 && signingSecrets[0] === devSigningSecret ? 'default' : 'environment',
      webhookPath,
      toleranceSeconds: signatureToleranceSeconds,
    },
    ...(capacity === undefined ? {} : { capacity }),
  });
}
