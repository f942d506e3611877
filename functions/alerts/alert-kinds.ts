import type Stripe from 'stripe';
import { parseCommaList } from '../shared/env';

/**
 * The kinds of business alert and the event each listens to. Plain data, no Stripe or AWS import (the
 * Stripe import is type-only): the construct reads it at synth (to queue and enable these types, and to
 * check `businessAlertsOff`), and the consumer registers the built-in alerts from it.
 */

/** Each kind with the event type it listens to; `dispute_deadline` is the reminder, fired by a schedule, not an event. */
export const businessAlertEventTypeOfKind = {
  dispute_created: 'charge.dispute.created',
  dispute_closed: 'charge.dispute.closed',
  early_fraud_warning: 'radar.early_fraud_warning.created',
  payout_failed: 'payout.failed',
  account_requirements: 'account.updated',
  invoice_uncollectible: 'invoice.marked_uncollectible',
  subscription_ended_unpaid: 'customer.subscription.deleted',
  dispute_deadline: undefined,
} as const satisfies Readonly<Record<string, Stripe.Event.Type | undefined>>;

export type BusinessAlertKind = keyof typeof businessAlertEventTypeOfKind;

/** Every alert kind, in a stable order. */
export const businessAlertKinds = Object.keys(businessAlertEventTypeOfKind) as readonly BusinessAlertKind[];

/**
 * The event types the alerts listen to, deduplicated. `charge.dispute.created` serves two kinds
 * (`dispute_created`, and `dispute_deadline` whose reminder it schedules); `charge.dispute.closed` also
 * cancels the reminder.
 */
export const businessAlertEventTypes = [
  'charge.dispute.created',
  'charge.dispute.closed',
  'radar.early_fraud_warning.created',
  'payout.failed',
  'account.updated',
  'invoice.marked_uncollectible',
  'customer.subscription.deleted',
] as const satisfies readonly Stripe.Event.Type[];

export type BusinessAlertEventType = (typeof businessAlertEventTypes)[number];

export class UnknownBusinessAlertKindError extends Error {
  constructor(kind: string) {
    super(`${JSON.stringify(kind)} is not a business alert kind; the kinds are ${businessAlertKinds.join(', ')}.`);
    this.name = 'UnknownBusinessAlertKindError';
  }
}

export function isBusinessAlertKind(value: string): value is BusinessAlertKind {
  return (businessAlertKinds as readonly string[]).includes(value);
}

/** The kinds switched on: all but those `off`. Throws on a kind that does not exist (a typo would silently alert). */
export function enabledBusinessAlertKinds(off: readonly string[] = []): BusinessAlertKind[] {
  for (const kind of off) {
    if (!isBusinessAlertKind(kind)) throw new UnknownBusinessAlertKindError(kind);
  }
  return businessAlertKinds.filter((kind) => !off.includes(kind));
}

/**
 * The event types the enabled kinds need queued. `charge.dispute.closed` stays while `dispute_deadline`
 * is on (it cancels the reminder), and `charge.dispute.created` while either dispute kind is on.
 */
export function businessAlertSubscribedTypes(off: readonly string[] = []): BusinessAlertEventType[] {
  const kinds = enabledBusinessAlertKinds(off);
  const types = new Set<BusinessAlertEventType>();
  for (const kind of kinds) {
    const type = businessAlertEventTypeOfKind[kind];
    if (type !== undefined) types.add(type);
    if (kind === 'dispute_deadline') {
      types.add('charge.dispute.created');
      types.add('charge.dispute.closed');
    }
  }
  return businessAlertEventTypes.filter((type) => types.has(type));
}

/** Parses the comma-separated `off` list (`BUSINESS_ALERTS_OFF`, context `businessAlertsOff`). */
export const parseBusinessAlertsOff = parseCommaList;

/** Hours before a dispute's evidence is due that the reminder fires (`disputeReminderLeadHours`). */
export const defaultDisputeReminderLeadHours = 72;
