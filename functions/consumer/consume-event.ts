import { createHash } from 'node:crypto';
import { errorSummary } from '../shared/errors';
import type { LoggerPort } from '../shared/logger';
import type { DispatchResult, EventRegistry, IncomingEvent } from './event-registry';
import type { IdempotencyStore, StepRecord } from './idempotency-store';
import type { Mailer, OutgoingEmail } from './mailer';

/** What a subscribed handler may use. */
export interface HandlerContext {
  /**
   * Sends an email at most once per event and step: a retry after a partial failure skips an email
   * SES already accepted. The step defaults to `email:<recipient>`; give one per distinct email.
   */
  readonly sendEmail: (email: OutgoingEmail, options?: { readonly step?: string }) => Promise<void>;
  /**
   * Runs a side effect at most once per event and step, recording the reference it returns (an id
   * of the effect outside) right after it succeeds.
   */
  readonly once: (step: string, effect: () => Promise<string | undefined>) => Promise<'done' | 'skipped'>;
  /**
   * Opt-in ordering for handlers that update state: runs `apply` unless an event created after this
   * one was already applied to the same object, in which case it is skipped and counted.
   */
  readonly applyInOrder: (objectId: string, apply: () => Promise<void>) => Promise<'applied' | 'stale'>;
  readonly logger: LoggerPort;
}

export interface SentEmail extends OutgoingEmail {
  readonly messageId: string;
}

export type EventOutcome = {
  readonly eventId: string;
  readonly eventType: string;
} & (
  | {
      readonly status: 'processed';
      /** Emails sent by this attempt. */
      readonly emails: readonly SentEmail[];
      /** Steps an earlier attempt had done, so this one skipped them. */
      readonly skippedSteps: readonly string[];
      /** Objects on which this event was older than one already applied. */
      readonly staleObjects: readonly string[];
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
  readonly now: () => Date;
  readonly logger: LoggerPort;
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

interface ParsedEvent extends IncomingEvent {
  readonly created?: number;
  readonly data?: unknown;
}

function parseEvent(body: string): ParsedEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('body is not JSON');
  }
  const event = value as Partial<ParsedEvent> | null;
  if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
    throw new MalformedMessageError('no string "id" and "type"');
  }
  return event as ParsedEvent;
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
}

/** Seconds added to the remaining time, so a claim never expires while its attempt is still alive. */
const claimMarginSeconds = 5;
const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * Gives one queued Stripe event its effects once: claims its id, runs the subscribed handlers
 * (each side effect recorded as a step, so a retry skips what already happened) and marks it done.
 * A duplicate of a done event is skipped; a failure frees the claim and is rethrown so that the
 * record is retried (and reaches the dead-letter queue if it keeps failing).
 */
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

  const completedSteps = new Map<string, StepRecord>(claim.completedSteps);
  const emails: SentEmail[] = [];
  const skippedSteps: string[] = [];
  const staleObjects: string[] = [];

  const once: HandlerContext['once'] = async (step, effect) => {
    if (completedSteps.has(step)) {
      skippedSteps.push(step);
      logger.info('Step already done by an earlier attempt; skipped', { ...ids, step });
      return 'skipped';
    }
    const reference = await effect();
    // Written at once: the only window for a repeated effect is between the effect and this write.
    const record: StepRecord = { atSeconds: seconds(deps.now()), ...(reference ? { reference } : {}) };
    await store.recordStep(event.id, claim.token, step, record);
    completedSteps.set(step, record);
    return 'done';
  };

  const context: HandlerContext = {
    logger,
    once,
    sendEmail: async (email, emailOptions) => {
      await once(emailOptions?.step ?? `email:${email.to}`, async () => {
        const { messageId } = await deps.mailer.send(email);
        emails.push({ ...email, messageId });
        logger.info('Email sent', { ...ids, messageId });
        return messageId;
      });
    },
    applyInOrder: async (objectId, apply) => {
      const created = event.created ?? 0;
      const last = await store.lastApplied(objectId);
      if (last !== undefined && last > created) {
        staleObjects.push(objectId);
        logger.info('Older than the last event applied to this object; skipped', {
          ...ids,
          objectId,
          outcome: 'stale',
        });
        return 'stale';
      }
      await apply();
      if (!(await store.markApplied(objectId, created, event.id, now + retentionSeconds))) {
        logger.warn('A newer event was applied to this object while this one ran', {
          ...ids,
          objectId,
          outcome: 'overtaken',
        });
      }
      return 'applied';
    },
  };

  let result: DispatchResult;
  try {
    result = await registry.dispatch(event, context);
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
    handlers: result.status === 'handled' ? result.handlerCount : 0,
    emailsSent: emails.length,
    stepsSkipped: skippedSteps.length,
  });
  return { ...ids, status: 'processed', emails, skippedSteps, staleObjects, payloadMismatch };
}
