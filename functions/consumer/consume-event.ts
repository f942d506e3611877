import { createHash } from 'node:crypto';
import { type ConnectedAccountEmails, type EmailSettings, resolveEmailSettings } from '../../config/email-settings';
import type { BusinessAlertsService } from '../alerts/business-alerts-service';
import type { BillingStateAccess } from '../billing-state/billing-state-service';
import { errorSummary } from '../shared/errors';
import type { LoggerPort } from '../shared/logger';
import { type StripeApi, unconfiguredStripeApi } from '../shared/stripe-api/port';
import type { ApiVersionCheck } from './api-version-check';
import type { EventRegistry, IncomingEvent } from './event-registry';
import {
  createHandlerContext,
  type HandlerContext,
  type HandlerContextOptions,
  type HandlerMetrics,
  type SentEmail,
  type UnsentEmail,
} from './handler-context';
import { fieldOf, HandlerFailedError, handlerNameOf, sanitizedStep } from './handler-failure';
import type { IdempotencyStore } from './idempotency-store';
import { type ParsedEvent, parseQueuedEvent } from './incoming-event';
import type { Mailer } from './mailer';

export type { HandlerContext, HandlerMetrics, SentEmail, UnsentEmail } from './handler-context';
export { HandlerFailedError, MissingFieldError } from './handler-failure';
export { MalformedMessageError } from './incoming-event';

export type EventOutcome = {
  readonly eventId: string;
  readonly eventType: string;
  /** The connected account the event is from (Connect), when it is. */
  readonly account?: string;
  /** Set for a thin event. */
  readonly payload?: 'thin';
  /** Set for an event that came through EventBridge. */
  readonly delivery?: 'eventbridge';
} & (
  | {
      readonly status: 'processed';
      /** Emails sent by this attempt. */
      readonly emails: readonly SentEmail[];
      /** Steps an earlier attempt had done, so this one skipped them. */
      readonly skippedSteps: readonly string[];
      /** Objects on which this event was older than one already applied. */
      readonly staleObjects: readonly string[];
      /** Emails not sent: the recipient is suppressed, or SES refused the email for good. */
      readonly unsentEmails: readonly UnsentEmail[];
      readonly payloadMismatch: boolean;
    }
  | { readonly status: 'duplicate'; readonly payloadMismatch: boolean }
  | { readonly status: 'unhandled' }
  | { readonly status: 'filtered'; readonly reason: string }
);

export interface ConsumerDependencies {
  readonly registry: EventRegistry<HandlerContext>;
  readonly store: IdempotencyStore;
  readonly mailer: Mailer;
  /** Recipients not to email (permanent bounces, complaints), looked up before each send. @default none */
  readonly suppressions?: HandlerContextOptions['suppressions'];
  readonly now: () => Date;
  readonly logger: LoggerPort;
  /**
   * How long a claim blocks other attempts when the invocation's remaining time is unknown; past it
   * the attempt is presumed dead.
   */
  readonly inProgressExpirySeconds: number;
  /** How long a done event id is remembered (Stripe resends for up to 30 days). */
  readonly retentionDays: number;
  /** Where the handlers' own `ctx.metrics.count(...)` go. @default counted nowhere */
  readonly metrics?: HandlerMetrics;
  /** Stripe's API for the handlers (`ctx.stripe`). @default one whose calls say no API key is configured */
  readonly stripe?: StripeApi;
  /** What the emails show of the business, and their fallback language. @default English, no business name */
  readonly emailSettings?: EmailSettings;
  /** Per connected account (Connect): its sender and what its emails show. @default none */
  readonly connectedAccountEmails?: ConnectedAccountEmails;
  /** Notes events rendered in an API version other than the handlers' (see api-version-check.ts). @default none */
  readonly apiVersionCheck?: ApiVersionCheck;
  /** The billing state (`ctx.billingState`). @default one that says the feature is off */
  readonly billingState?: BillingStateAccess;
  /** The business alerts (`ctx.businessAlerts`). @default none: the feature is off */
  readonly businessAlerts?: BusinessAlertsService;
}

export class EventInProgressError extends Error {
  constructor(eventId: string, untilSeconds: number) {
    super(
      `${eventId} is being processed by another attempt (claimed until ${new Date(untilSeconds * 1000).toISOString()}); it will be retried.`,
    );
    this.name = 'EventInProgressError';
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What identifies an event's content: its type, creation time and data. Fields that change between
 * deliveries of the same event (`pending_webhooks`, `request`) are left out, and key order does not
 * matter, so only a real change of content counts as a different payload.
 */
export function payloadHash(event: ParsedEvent): string {
  return createHash('sha256')
    .update(canonicalJson({ type: event.type, created: event.created ?? null, data: event.data ?? null }))
    .digest('hex');
}

export interface ConsumeOptions {
  /**
   * Milliseconds this invocation has left (Lambda's `getRemainingTimeInMillis()`). The claim expires
   * just after it, so a retry can take over as soon as a crashed or timed-out attempt is dead.
   */
  readonly remainingTimeMs?: number;
  /**
   * Epoch milliseconds after which a paced email send is not waited for: the event is requeued instead
   * (see `SendRateExceededError`). @default no deadline
   */
  readonly sendDeadlineMs?: number;
}

const countNothing: HandlerMetrics = { count: () => undefined };
const defaultEmailSettings = resolveEmailSettings();

/** Seconds added to the remaining time, so a claim never expires while its attempt is still alive. */
const claimMarginSeconds = 5;
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * Gives one queued Stripe event its effects once: claims its id, runs the subscribed handlers
 * (each side effect recorded as a step, so a retry skips what already happened) and marks it done.
 * A duplicate of a done event is skipped; a failure frees the claim and is rethrown so that the
 * record is retried (and reaches the dead-letter queue if it keeps failing). A handler's error is
 * rethrown as a {@link HandlerFailedError} naming the handler, its step and field, the error its `cause`.
 */
export async function consumeEvent(
  body: string,
  deps: ConsumerDependencies,
  options: ConsumeOptions = {},
): Promise<EventOutcome> {
  const event = parseQueuedEvent(body);
  // The account (Connect) is an id of the platform's own business partner, not customer data.
  const ids = {
    eventId: event.id,
    eventType: event.type,
    ...(event.account === undefined ? {} : { account: event.account }),
    ...(event.payload === 'thin' ? { payload: 'thin' as const } : {}),
    ...(event.delivery === 'eventbridge' ? { delivery: 'eventbridge' as const } : {}),
  };
  const { registry, store, logger } = deps;

  deps.apiVersionCheck?.(event);
  const route = registry.route(event);
  if (route.status === 'filtered') {
    logger.info('Event filtered', { ...ids, outcome: 'filtered', reason: route.reason });
    return { ...ids, status: 'filtered', reason: route.reason };
  }
  if (route.status === 'unhandled') {
    logger.info('No handler subscribed to this event type; acknowledged', { ...ids, outcome: 'unhandled' });
    return { ...ids, status: 'unhandled' };
  }

  const now = seconds(deps.now());
  const retentionSeconds = deps.retentionDays * 86_400;
  const hash = payloadHash(event);
  const claim = await store.claim(event.id, {
    nowSeconds: now,
    inProgressUntilSeconds:
      now +
      (options.remainingTimeMs === undefined
        ? deps.inProgressExpirySeconds
        : Math.ceil(options.remainingTimeMs / 1000) + claimMarginSeconds),
    expiresAtSeconds: now + retentionSeconds,
    eventType: event.type,
    payloadHash: hash,
  });
  const payloadMismatch = claim.firstPayloadHash !== undefined && claim.firstPayloadHash !== hash;
  if (payloadMismatch) {
    // Same id, different content: not Stripe's behaviour for a redelivery. Never handled twice.
    logger.warn('Anomaly: this event id was seen before with a different payload', {
      ...ids,
      outcome: 'payload_mismatch',
      claim: claim.status,
    });
  }
  if (claim.status === 'already_done') {
    logger.info('Duplicate of a done event; skipped', { ...ids, outcome: 'duplicate' });
    return { ...ids, status: 'duplicate', payloadMismatch };
  }
  if (claim.status === 'in_progress') throw new EventInProgressError(event.id, claim.untilSeconds);

  const { context, effects, failedStep } = createHandlerContext({
    event,
    claim,
    store,
    mailer: deps.mailer,
    suppressions: deps.suppressions,
    logger,
    metrics: deps.metrics ?? countNothing,
    stripe: deps.stripe ?? unconfiguredStripeApi,
    emailSettings: deps.emailSettings ?? defaultEmailSettings,
    connectedAccountEmails: deps.connectedAccountEmails,
    billingState: deps.billingState,
    businessAlerts: deps.businessAlerts,
    now: deps.now,
    expiresAtSeconds: now + retentionSeconds,
    sendDeadlineMs: options.sendDeadlineMs,
  });
  try {
    // Handlers get the Stripe event as delivered (an envelope's detail), not the parsed summary.
    for (const [index, handler] of route.handlers.entries()) {
      try {
        await handler(event.body as unknown as IncomingEvent, context);
      } catch (error) {
        // Which handler, in which step, on which field: what the log line and the dead-letter message say.
        throw new HandlerFailedError(
          {
            handler: handlerNameOf(handler, event.type, { index, count: route.handlers.length }),
            eventType: event.type,
            step: sanitizedStep(failedStep()),
            field: fieldOf(error),
          },
          error,
        );
      }
    }
  } catch (error) {
    await store.release(event.id, claim.token).catch((releaseError: unknown) => {
      // The claim then expires on its own; the retry waits for that instead of running at once.
      logger.error('Could not release the claim', { ...ids, error: errorSummary(releaseError) });
    });
    throw error;
  }
  const finishedAt = seconds(deps.now());
  await store.complete(event.id, claim.token, {
    nowSeconds: finishedAt,
    expiresAtSeconds: finishedAt + retentionSeconds,
  });
  logger.info('Event processed', {
    ...ids,
    outcome: 'processed',
    handlers: route.handlers.length,
    emailsSent: effects.emails.length,
    stepsSkipped: effects.skippedSteps.length,
  });
  return { ...ids, status: 'processed', ...effects, payloadMismatch };
}
