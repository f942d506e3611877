import type { DispatchResult, EventRegistry, IncomingEvent } from './event-registry';
import type { IdempotencyStore } from './idempotency-store';
import type { Mailer, OutgoingEmail } from './mailer';

export interface ConsumerLogger {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

/** What a subscribed handler may use. */
export interface HandlerContext {
  /** Sends an email through SES and records it in the event's outcome. */
  readonly sendEmail: (email: OutgoingEmail) => Promise<void>;
  readonly logger: ConsumerLogger;
}

export interface SentEmail extends OutgoingEmail {
  readonly messageId: string;
}

export type EventOutcome = {
  readonly eventId: string;
  readonly eventType: string;
} & (
  | { readonly status: 'processed'; readonly emails: readonly SentEmail[] }
  | { readonly status: 'duplicate' }
  | { readonly status: 'unhandled' }
  | { readonly status: 'filtered'; readonly reason: string }
);

export interface ConsumerDependencies {
  readonly registry: EventRegistry<HandlerContext>;
  readonly store: IdempotencyStore;
  readonly mailer: Mailer;
  readonly now: () => Date;
  readonly logger: ConsumerLogger;
  /**
   * How long a claim blocks other attempts when the invocation's remaining time is unknown; past it
   * the attempt is presumed dead.
   */
  readonly inProgressExpirySeconds: number;
  /** How long a done event id is remembered (Stripe resends for up to 30 days). */
  readonly retentionDays: number;
}

export class MalformedMessageError extends Error {
  constructor(reason: string) {
    super(
      `The queued message is not a Stripe event (${reason}); the receiver only queues verified events, so check what else sends to this queue.`,
    );
    this.name = 'MalformedMessageError';
  }
}

export class EventInProgressError extends Error {
  constructor(eventId: string, untilSeconds: number) {
    super(
      `${eventId} is being processed by another attempt (claimed until ${new Date(untilSeconds * 1000).toISOString()}); it will be retried.`,
    );
    this.name = 'EventInProgressError';
  }
}

function parseEvent(body: string): IncomingEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('body is not JSON');
  }
  const event = value as Partial<IncomingEvent> | null;
  if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
    throw new MalformedMessageError('no string "id" and "type"');
  }
  return event as IncomingEvent;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * Gives one queued Stripe event its effects once: claims its id, runs the subscribed handlers and
 * marks it done. A duplicate of a done event is skipped; a failure frees the claim and is rethrown so
 * that the record is retried (and reaches the dead-letter queue if it keeps failing).
 */
export interface ConsumeOptions {
  /**
   * Milliseconds this invocation has left (Lambda's `getRemainingTimeInMillis()`). The claim expires
   * just after it, so a retry can take over as soon as a crashed or timed-out attempt is dead.
   */
  readonly remainingTimeMs?: number;
}

/** Seconds added to the remaining time, so a claim never expires while its attempt is still alive. */
const claimMarginSeconds = 5;

export async function consumeEvent(
  body: string,
  deps: ConsumerDependencies,
  options: ConsumeOptions = {},
): Promise<EventOutcome> {
  const event = parseEvent(body);
  const ids = { eventId: event.id, eventType: event.type };
  const { registry, store, logger } = deps;

  const filteredBecause = registry.filteredBecause(event);
  if (filteredBecause !== undefined) {
    logger.info('Event filtered', { ...ids, outcome: 'filtered', reason: filteredBecause });
    return { ...ids, status: 'filtered', reason: filteredBecause };
  }
  if (registry.handlersFor(event.type).length === 0) {
    logger.info('No handler subscribed to this event type; acknowledged', { ...ids, outcome: 'unhandled' });
    return { ...ids, status: 'unhandled' };
  }

  const now = seconds(deps.now());
  const claimSeconds =
    options.remainingTimeMs === undefined
      ? deps.inProgressExpirySeconds
      : Math.ceil(options.remainingTimeMs / 1000) + claimMarginSeconds;
  const claim = await store.claim(event.id, {
    nowSeconds: now,
    inProgressUntilSeconds: now + claimSeconds,
    eventType: event.type,
  });
  if (claim.status === 'already_done') {
    logger.info('Duplicate of a done event; skipped', { ...ids, outcome: 'duplicate' });
    return { ...ids, status: 'duplicate' };
  }
  if (claim.status === 'in_progress') throw new EventInProgressError(event.id, claim.untilSeconds);

  const emails: SentEmail[] = [];
  const context: HandlerContext = {
    logger,
    sendEmail: async (email) => {
      const { messageId } = await deps.mailer.send(email);
      emails.push({ ...email, messageId });
      logger.info('Email sent', { ...ids, messageId });
    },
  };
  let result: DispatchResult;
  try {
    result = await registry.dispatch(event, context);
  } catch (error) {
    await store.release(event.id, claim.token).catch((releaseError: unknown) => {
      // The claim then expires on its own; the retry waits for that instead of running at once.
      logger.error('Could not release the claim', { ...ids, error: String(releaseError) });
    });
    throw error;
  }
  const finishedAt = seconds(deps.now());
  await store.complete(event.id, claim.token, {
    nowSeconds: finishedAt,
    expiresAtSeconds: finishedAt + deps.retentionDays * 86_400,
  });
  logger.info('Event processed', {
    ...ids,
    outcome: 'processed',
    handlers: result.status === 'handled' ? result.handlerCount : 0,
  });
  return { ...ids, status: 'processed', emails };
}
