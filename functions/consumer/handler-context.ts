import type { ConnectedAccountEmails, EmailSettings } from '../../config/email-settings';
import {
  type BusinessAlertsAccess,
  type BusinessAlertsService,
  bindBusinessAlerts,
} from '../alerts/business-alerts-service';
import { type BillingStateAccess, unconfiguredBillingState } from '../billing-state/billing-state-service';
import type { LoggerPort } from '../shared/logger';
import { type StripeApi, scopedStripeApi } from '../shared/stripe-api/port';
import type { EventPayloadKind } from '../shared/stripe-event-shape';
import type { IdempotencyStore, StepRecord } from './idempotency-store';
import type { EventDelivery } from './incoming-event';
import { type Mailer, type OutgoingEmail, PermanentEmailError } from './mailer';

/** Counts a handler's own metrics beside the pipeline's (namespace `StripeWebhooks`, unit Count). */
export interface HandlerMetrics {
  /**
   * Adds `value` (default 1) to the metric `name`. With `dimensions` (a few low-cardinality values, e.g.
   * `{ reason: 'no_email' }`), the count is also published under the usual dimensions plus these, so the
   * total and the breakdown are both in CloudWatch.
   */
  count(name: string, value?: number, dimensions?: Readonly<Record<string, string>>): void;
}

/** What a subscribed handler may use: the same context the built-in emails use. */
export interface HandlerContext {
  /** The Stripe event's id (`evt_...`), for log lines and for keys of the handler's own writes. */
  readonly eventId: string;
  readonly eventType: string;
  /**
   * The connected account the event comes from (Connect: a snapshot's `account`, a thin event's
   * `context`), or undefined for the platform's own events. `ctx.stripe` already calls Stripe as it.
   */
  readonly account: string | undefined;
  /** `snapshot` (the object is in `event.data.object`) or `thin` (fetch it: {@link fetchRelatedObject}). */
  readonly payload: EventPayloadKind;
  /** How the event reached the queue: by webhook (the receiver) or from Amazon EventBridge. */
  readonly delivery: EventDelivery;
  /** The API version a snapshot event was rendered in (`event.api_version`); undefined for thin events. */
  readonly apiVersion: string | undefined;
  /**
   * A thin event's related object in its current state (GET `related_object.url` as the event's
   * account, rate-limited and retried), or null when the event has none. Throws `NotAThinEventError`
   * for a snapshot event, whose object is already in `event.data.object`.
   */
  readonly fetchRelatedObject: () => Promise<unknown>;
  /**
   * The full event: for a thin event, the v2 event with its `data` (GET /v2/core/events/:id); for a
   * snapshot, the event as Stripe stores it (GET /v1/events/:id).
   */
  readonly fetchEvent: () => Promise<unknown>;
  /**
   * Sends an email at most once per event and step: a retry after a partial failure skips an email
   * SES already accepted. The step defaults to `email:<recipient>`; give one per distinct email.
   * A recipient on the suppression list is skipped, and an email SES refuses for good
   * (`PermanentEmailError`) is recorded as done, not retried: neither fails the event.
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
  readonly metrics: HandlerMetrics;
  /**
   * Stripe's API, rate-limited, retried and cached per container, calling as the event's account
   * (Connect). Without an API key configured (context `stripeApiKeySecretName`), every call throws
   * `StripeApiNotConfiguredError`.
   */
  readonly stripe: StripeApi;
  /**
   * The business name, support address and logo every email shows, and the language it falls back to:
   * the connected account's (`connectedAccountEmails`) when it has its own, else the defaults.
   */
  readonly emailSettings: EmailSettings;
  /**
   * Each customer's billing state, as Stripe's API last described it (the `billingState` feature):
   * `getCustomer(id)` (the event's connected account unless another is named), `hasAccess(state)`,
   * `hasEntitlement(state, lookupKey)`, `syncCustomer(id)`. With the feature off, reads and syncs throw
   * `BillingStateNotConfiguredError`.
   */
  readonly billingState: BillingStateAccess;
  /**
   * The business alerts (the `businessAlerts` feature): `send(alert)` to every destination (the SNS topic,
   * the webhook) once per event and destination, and the dispute reminders. With the feature off,
   * `configured` is false and every call throws `BusinessAlertsNotConfiguredError`.
   */
  readonly businessAlerts: BusinessAlertsAccess;
}

/** `ctx.fetchRelatedObject()` on a snapshot event: its object is in the event already. */
export class NotAThinEventError extends Error {
  constructor(eventId: string) {
    super(
      `${eventId} is a snapshot event: its object is in event.data.object. fetchRelatedObject() is for thin events (v2 event destinations), which carry only a related_object reference; use ctx.stripe to read an object's current state.`,
    );
    this.name = 'NotAThinEventError';
  }
}

export interface SentEmail extends OutgoingEmail {
  readonly messageId: string;
}

/** An email the handlers asked for that was not sent, and never will be for this event. */
export interface UnsentEmail {
  readonly to: string;
  readonly subject: string;
  /** `suppressed`: the recipient bounced permanently or complained before; `rejected`: SES refused it for good. */
  readonly reason: 'suppressed' | 'rejected';
  /** SES's error code, for a rejected email. */
  readonly code?: string;
}

/** What the handlers did through their context, for the event's outcome. */
export interface HandlerEffects {
  /** Emails sent by this attempt. */
  readonly emails: SentEmail[];
  /** Steps an earlier attempt had done, so this one skipped them. */
  readonly skippedSteps: string[];
  /** Objects on which this event was older than one already applied. */
  readonly staleObjects: string[];
  /** Emails not sent: the recipient is suppressed, or SES refused the email for good. */
  readonly unsentEmails: UnsentEmail[];
}

export interface HandlerContextOptions {
  readonly event: {
    readonly id: string;
    readonly type: string;
    readonly created?: number;
    readonly payload?: EventPayloadKind;
    readonly delivery?: EventDelivery;
    readonly account?: string;
    readonly apiVersion?: string;
    /** The event as delivered, for a thin event's `related_object`. */
    readonly body?: Readonly<Record<string, unknown>>;
  };
  /** The claim this attempt holds: steps are recorded under it, so an attempt that lost it cannot write. */
  readonly claim: { readonly token: string; readonly completedSteps: ReadonlyMap<string, StepRecord> };
  readonly store: IdempotencyStore;
  readonly mailer: Mailer;
  /** Recipients not to email (permanent bounces, complaints), looked up before each send. @default none */
  readonly suppressions?: { find(address: string): Promise<unknown | undefined> };
  readonly logger: LoggerPort;
  readonly metrics: HandlerMetrics;
  readonly stripe: StripeApi;
  readonly emailSettings: EmailSettings;
  /** The billing state (`ctx.billingState`). @default one whose reads and syncs say the feature is off */
  readonly billingState?: BillingStateAccess;
  /** The business alerts (`ctx.businessAlerts`). @default none: the feature is off */
  readonly businessAlerts?: BusinessAlertsService;
  /** Per connected account: its sender and what its emails show. @default none: every account gets the defaults */
  readonly connectedAccountEmails?: ConnectedAccountEmails;
  readonly now: () => Date;
  readonly expiresAtSeconds: number;
  /** Epoch milliseconds after which a paced send is not waited for (the invocation's end, less a margin). */
  readonly sendDeadlineMs?: number;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** The billing state with the event's connected account as the default account of every read and sync. */
function scopedBillingState(access: BillingStateAccess, account: string | undefined): BillingStateAccess {
  if (account === undefined) return access;
  return {
    ...access,
    getCustomer: (customerId, given) => access.getCustomer(customerId, { account: given?.account ?? account }),
    syncCustomer: (customerId, given) => access.syncCustomer(customerId, { account: given?.account ?? account }),
  };
}

/** Builds the context one attempt's handlers share, and the record of what they did through it. */
export function createHandlerContext(options: HandlerContextOptions): {
  readonly context: HandlerContext;
  readonly effects: HandlerEffects;
  /** The step whose effect (or its record) threw last and was not followed by a step that succeeded, for the failure's message. */
  readonly failedStep: () => string | undefined;
} {
  const { event, claim, store, logger } = options;
  const ids = { eventId: event.id, eventType: event.type };
  const completedSteps = new Map<string, StepRecord>(claim.completedSteps);
  const effects: HandlerEffects = { emails: [], skippedSteps: [], staleObjects: [], unsentEmails: [] };

  let failedStep: string | undefined;
  const once: HandlerContext['once'] = async (step, effect) => {
    if (completedSteps.has(step)) {
      effects.skippedSteps.push(step);
      logger.info('Step already done by an earlier attempt; skipped', { ...ids, step });
      return 'skipped';
    }
    try {
      const reference = await effect();
      // Written at once: the only window for a repeated effect is between the effect and this write.
      const record: StepRecord = { atSeconds: seconds(options.now()), ...(reference ? { reference } : {}) };
      await store.recordStep(event.id, claim.token, step, record);
      completedSteps.set(step, record);
    } catch (error) {
      failedStep = step;
      throw error;
    }
    failedStep = undefined;
    return 'done';
  };

  const payload = event.payload ?? 'snapshot';
  // Thin events name their account in `context` (Stripe-Context), snapshots in `account` (Stripe-Account).
  const stripe = scopedStripeApi(options.stripe, {
    ...(payload === 'thin' ? { context: event.account } : { account: event.account }),
    eventId: event.id,
  });
  const accountEmail = event.account === undefined ? undefined : options.connectedAccountEmails?.get(event.account);
  const relatedObject = event.body?.related_object as { readonly url?: unknown } | null | undefined;

  const context: HandlerContext = {
    ...ids,
    account: event.account,
    payload,
    delivery: event.delivery ?? 'webhook',
    apiVersion: event.apiVersion,
    fetchRelatedObject: async () => {
      if (payload !== 'thin') throw new NotAThinEventError(event.id);
      if (typeof relatedObject?.url !== 'string') return null;
      return stripe.retrieveRelatedObject(relatedObject.url);
    },
    fetchEvent: () => (payload === 'thin' ? stripe.retrieveThinEvent(event.id) : stripe.retrieveEvent(event.id)),
    logger,
    metrics: options.metrics,
    stripe,
    emailSettings: accountEmail?.settings ?? options.emailSettings,
    billingState: scopedBillingState(options.billingState ?? unconfiguredBillingState, event.account),
    businessAlerts: bindBusinessAlerts(options.businessAlerts, { ...ids, once, logger, metrics: options.metrics }),
    once,
    sendEmail: async (given, emailOptions) => {
      // A connected account with its own sender sends from it, unless the handler chose one.
      const email =
        given.from === undefined && accountEmail?.senderAddress !== undefined
          ? { ...given, from: accountEmail.senderAddress }
          : given;
      const step = emailOptions?.step ?? `email:${email.to}`;
      // Not recorded as a step: nothing happened, and an address erased from the list in the meantime gets it on a retry.
      if (!completedSteps.has(step) && (await options.suppressions?.find(email.to)) !== undefined) {
        effects.unsentEmails.push({ to: email.to, subject: email.subject, reason: 'suppressed' });
        options.metrics.count('EmailsSuppressed');
        logger.info('Email not sent: the recipient is on the suppression list', { ...ids, outcome: 'suppressed' });
        return;
      }
      await once(step, async () => {
        try {
          const { messageId } = await options.mailer.send(email, { deadlineMs: options.sendDeadlineMs });
          effects.emails.push({ ...email, messageId });
          logger.info('Email sent', { ...ids, messageId });
          return messageId;
        } catch (error) {
          if (!(error instanceof PermanentEmailError)) throw error;
          // Final for this email only: recorded as done, so no retry sends it, and the other handlers still run.
          effects.unsentEmails.push({ to: email.to, subject: email.subject, reason: 'rejected', code: error.code });
          options.metrics.count('EmailsRejected');
          logger.error('Email rejected by SES; it will not be retried', {
            ...ids,
            outcome: 'rejected',
            code: error.code,
            error: error.message,
          });
          return `rejected:${error.code}`;
        }
      });
    },
    applyInOrder: async (objectId, apply) => {
      const created = event.created ?? 0;
      const last = await store.lastApplied(objectId);
      if (last !== undefined && last > created) {
        effects.staleObjects.push(objectId);
        logger.info('Older than the last event applied to this object; skipped', {
          ...ids,
          objectId,
          outcome: 'stale',
        });
        return 'stale';
      }
      await apply();
      if (!(await store.markApplied(objectId, created, event.id, options.expiresAtSeconds))) {
        logger.warn('A newer event was applied to this object while this one ran', {
          ...ids,
          objectId,
          outcome: 'overtaken',
        });
      }
      return 'applied';
    },
  };
  return { context, effects, failedStep: () => failedStep };
}
