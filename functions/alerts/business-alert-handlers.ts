/**
 * The built-in business alerts as subscriptions, included by the consumer when the feature is on (like
 * `builtInBillingSync()`), each kind switchable off. To replace one, switch it `off` and subscribe your
 * own handler to its event type, sending through `ctx.businessAlerts.send(...)`.
 *
 * Every handler reads the payload through the content functions, which never throw on data: a missing
 * field degrades a line, and an event with nothing to alert about is skipped with a reason, logged and
 * counted (`AlertsSkipped`, dimensions `kind` and `reason`). What may throw is a destination that failed
 * after its own retries: the event is then retried, and the step ledger keeps what already went out.
 */
import { defineSubscriptions, type Subscriptions } from '../consumer/define-subscriptions';
import type { EventHandler } from '../consumer/event-registry';
import type { HandlerContext } from '../consumer/handler-context';
import { errorSummary } from '../shared/errors';
import { StripeApiNotConfiguredError, StripeObjectNotFoundError } from '../shared/stripe-api/port';
import { accountRequirementsAlert } from './account-alert';
import type { AlertContent, AlertSkipReason } from './alert-content';
import { type BusinessAlertKind, businessAlertEventTypeOfKind, enabledBusinessAlertKinds } from './alert-kinds';
import { disputeIdOf, eventObject, recordOf, timestampOf } from './alert-text';
import { disputeClosedAlert, disputeCreatedAlert } from './dispute-alerts';
import { type ChargeLookup, chargeOfWarning, earlyFraudWarningAlert } from './fraud-warning-alert';
import { invoiceUncollectibleAlert, subscriptionEndedUnpaidAlert } from './invoice-alerts';
import { payoutFailedAlert } from './payout-alert';
import { reminderTime } from './reminder-time';
import { isSchedulableDisputeId } from './schedule-names';

export interface BuiltInBusinessAlertsOptions {
  /** Alert kinds not to send (their event types are then not queued for them). @default none */
  readonly off?: readonly BusinessAlertKind[];
}

type Handler = EventHandler<unknown, HandlerContext>;

/** Logs and counts an alert not sent; the rules' reasons at info, a payload or setup that lacks something at warn. */
export function reportSkippedAlert(
  context: HandlerContext,
  kind: BusinessAlertKind,
  reason: AlertSkipReason,
  message: string,
): void {
  context.metrics.count('AlertsSkipped', 1, { kind, reason });
  const rule = reason === 'not_connected_account' || reason === 'nothing_due' || reason === 'not_ended_unpaid';
  context.logger[rule ? 'info' : 'warn'](`${message}; no ${kind} alert`, {
    eventId: context.eventId,
    eventType: context.eventType,
    kind,
    outcome: `alert_skipped_${reason}`,
  });
}

/** Sends the content's alert, or reports why there is none. */
async function deliver(context: HandlerContext, content: AlertContent): Promise<void> {
  if ('skipped' in content) {
    reportSkippedAlert(context, content.kind, content.skipped, content.message);
    return;
  }
  if (!context.businessAlerts.configured) {
    reportSkippedAlert(
      context,
      content.alert.kind,
      'alerts_not_configured',
      'Business alerts are included but the feature is off (no ALERT_TOPIC_ARN)',
    );
    return;
  }
  await context.businessAlerts.send(content.alert);
}

const factsOf = (context: HandlerContext) => ({ eventId: context.eventId, account: context.account });

async function disputeCreated(event: unknown, context: HandlerContext): Promise<void> {
  await deliver(context, disputeCreatedAlert(event, factsOf(context), context.businessAlerts.now()));
}

async function disputeClosed(event: unknown, context: HandlerContext): Promise<void> {
  await deliver(context, disputeClosedAlert(event, factsOf(context)));
}

/** `charge.dispute.created`: schedules the deadline reminder (see `reminderTime` for when). */
async function scheduleDisputeReminder(event: unknown, context: HandlerContext): Promise<void> {
  const skipped = (reason: AlertSkipReason, message: string) =>
    reportSkippedAlert(context, 'dispute_deadline', reason, message);
  const dispute = eventObject(event);
  const disputeId = disputeIdOf(dispute?.id);
  if (disputeId === undefined) return skipped('no_dispute_id', 'The event names no dispute to remind of');
  if (!isSchedulableDisputeId(disputeId)) {
    return skipped('invalid_dispute_id', 'The dispute id is too long or odd for a schedule name');
  }
  const dueBy = timestampOf(recordOf(dispute?.evidence_details)?.due_by);
  if (dueBy === null) return skipped('no_due_by', 'The dispute has no evidence_details.due_by to remind before');
  const alerts = context.businessAlerts;
  if (!alerts.configured) {
    return skipped('alerts_not_configured', 'Business alerts are included but the feature is off (no ALERT_TOPIC_ARN)');
  }
  const at = reminderTime(dueBy, alerts.reminderLeadHours, alerts.now());
  if (at === undefined) return skipped('deadline_passed', 'The evidence deadline has already passed');
  if (!alerts.remindersConfigured) {
    return skipped('no_reminder_scheduler', 'No dispute reminder scheduler is configured (DISPUTE_REMINDER_* unset)');
  }
  await alerts.scheduleDisputeReminder(
    { disputeId, eventId: context.eventId, ...(context.account === undefined ? {} : { account: context.account }) },
    at,
  );
  context.logger.info('Dispute reminder scheduled', {
    eventId: context.eventId,
    eventType: context.eventType,
    disputeId,
    at: at.toISOString(),
    outcome: 'reminder_scheduled',
  });
}

/** `charge.dispute.closed`: a closed dispute needs no reminder; removing one that never existed is fine. */
async function cancelDisputeReminder(event: unknown, context: HandlerContext): Promise<void> {
  const dispute = eventObject(event);
  const disputeId = disputeIdOf(dispute?.id);
  const alerts = context.businessAlerts;
  // Nothing was scheduled for these: no id, an id no schedule can be named after, or no scheduler.
  if (disputeId === undefined || !isSchedulableDisputeId(disputeId) || !alerts.configured) return;
  if (!alerts.remindersConfigured) return;
  await alerts.cancelDisputeReminder(disputeId);
  context.logger.info('Dispute reminder removed', {
    eventId: context.eventId,
    eventType: context.eventType,
    disputeId,
    outcome: 'reminder_cancelled',
  });
}

/** The warning's charge: expanded in the event, else read from Stripe's API; never a throw. */
async function lookUpCharge(event: unknown, context: HandlerContext): Promise<ChargeLookup> {
  const { id, expanded } = chargeOfWarning(event);
  if (expanded !== undefined) return { found: expanded };
  if (id === undefined) return { unavailable: 'no_charge_id' };
  try {
    return { found: (await context.stripe.retrieveCharge(id)) as unknown as Record<string, unknown> };
  } catch (error) {
    // The alert matters more than its amount: it goes out without it rather than wait for a retry.
    const unavailable =
      error instanceof StripeApiNotConfiguredError
        ? 'stripe_api_not_configured'
        : error instanceof StripeObjectNotFoundError
          ? 'not_found'
          : 'stripe_api_error';
    context.metrics.count('AlertsDegraded', 1, { kind: 'early_fraud_warning', reason: unavailable });
    context.logger.warn('Could not read the charge of an early fraud warning; the alert goes without its amount', {
      eventId: context.eventId,
      eventType: context.eventType,
      outcome: `alert_degraded_${unavailable}`,
      error: errorSummary(error),
    });
    return { unavailable };
  }
}

async function earlyFraudWarning(event: unknown, context: HandlerContext): Promise<void> {
  const lookup = await lookUpCharge(event, context);
  await deliver(context, earlyFraudWarningAlert(event, factsOf(context), lookup));
}

async function payoutFailed(event: unknown, context: HandlerContext): Promise<void> {
  await deliver(context, payoutFailedAlert(event, factsOf(context)));
}

async function accountRequirements(event: unknown, context: HandlerContext): Promise<void> {
  await deliver(context, accountRequirementsAlert(event, factsOf(context)));
}

async function invoiceUncollectible(event: unknown, context: HandlerContext): Promise<void> {
  await deliver(context, invoiceUncollectibleAlert(event, factsOf(context)));
}

async function subscriptionEndedUnpaid(event: unknown, context: HandlerContext): Promise<void> {
  await deliver(context, subscriptionEndedUnpaidAlert(event, factsOf(context)));
}

/** Each kind's handlers, by event type; `dispute_deadline` schedules on creation and removes on closing. */
const handlersOfKind: Record<BusinessAlertKind, ReadonlyArray<readonly [string, Handler]>> = {
  dispute_created: [[businessAlertEventTypeOfKind.dispute_created, disputeCreated]],
  dispute_closed: [[businessAlertEventTypeOfKind.dispute_closed, disputeClosed]],
  early_fraud_warning: [[businessAlertEventTypeOfKind.early_fraud_warning, earlyFraudWarning]],
  payout_failed: [[businessAlertEventTypeOfKind.payout_failed, payoutFailed]],
  account_requirements: [[businessAlertEventTypeOfKind.account_requirements, accountRequirements]],
  invoice_uncollectible: [[businessAlertEventTypeOfKind.invoice_uncollectible, invoiceUncollectible]],
  subscription_ended_unpaid: [[businessAlertEventTypeOfKind.subscription_ended_unpaid, subscriptionEndedUnpaid]],
  dispute_deadline: [
    ['charge.dispute.created', scheduleDisputeReminder],
    ['charge.dispute.closed', cancelDisputeReminder],
  ],
};

/**
 * The built-in business alerts: every kind of `businessAlertKinds` but those switched `off` (throws
 * `UnknownBusinessAlertKindError` on a kind that does not exist).
 */
export function builtInBusinessAlerts(options: BuiltInBusinessAlertsOptions = {}): Subscriptions {
  const kinds = enabledBusinessAlertKinds(options.off);
  return defineSubscriptions((on) => {
    for (const kind of kinds) {
      for (const [type, handler] of handlersOfKind[kind]) {
        (on as (type: string, handler: EventHandler<never, HandlerContext>) => void)(
          type,
          handler as EventHandler<never, HandlerContext>,
        );
      }
    }
  });
}
