/**
 * What the handlers reach the business alerts through (`ctx.businessAlerts`), like `ctx.billingState`:
 * the destinations (SNS and the webhook; locally a recorder) and the dispute reminder scheduler, bound
 * to the event so that each alert goes out once per event and destination, through the step ledger
 * (`ctx.once('alert:<kind>:<destination>')`): a retry after SNS accepted the alert but the webhook failed
 * posts to the webhook only.
 *
 * No import of the consumer's handler context (it imports this): the step runner is handed in.
 */
import { errorSummary } from '../shared/errors';
import type { LoggerPort } from '../shared/logger';
import type { DimensionedCounter } from '../shared/metrics';
import type { BusinessAlertKind } from './alert-kinds';
import type { AlertDestination, BusinessAlert, DisputeReminderInput, DisputeReminderScheduler } from './alert-ports';

/** The feature as a function's environment (or the local pipeline) configures it. */
export interface BusinessAlertsService {
  readonly destinations: readonly AlertDestination[];
  /** Schedules the dispute reminders; undefined when no scheduler is configured (reminders are then skipped, counted). */
  readonly reminders: DisputeReminderScheduler | undefined;
  /** Hours before `evidence_details.due_by` that a reminder fires. */
  readonly reminderLeadHours: number;
  /** The kinds switched off (`BUSINESS_ALERTS_OFF`). */
  readonly off: readonly BusinessAlertKind[];
  readonly now: () => Date;
}

/** What `ctx.businessAlerts` offers a handler: the built-in alerts use it, and a team's own handler may too. */
export interface BusinessAlertsAccess {
  /** False when the feature is off: then `send` and the reminders throw {@link BusinessAlertsNotConfiguredError}. */
  readonly configured: boolean;
  /**
   * Sends the alert to every destination, once per event and destination (steps
   * `alert:<kind>:<destination>`). Every destination is tried; if one throws, the others still get the
   * alert and the error is thrown after them, so the event is retried for that destination only.
   * Answers the destinations sent to by this attempt and those an earlier attempt had done.
   */
  send(alert: BusinessAlert): Promise<{ readonly sent: string[]; readonly alreadySent: string[] }>;
  /** Schedules the dispute's reminder at `at` (once per event: step `reminder:schedule:<dispute id>`). */
  scheduleDisputeReminder(input: DisputeReminderInput, at: Date): Promise<void>;
  /** Removes the dispute's reminder, if any (once per event: step `reminder:cancel:<dispute id>`). */
  cancelDisputeReminder(disputeId: string): Promise<void>;
  /** Whether reminders can be scheduled (a scheduler is configured). */
  readonly remindersConfigured: boolean;
  readonly reminderLeadHours: number;
  readonly now: () => Date;
}

export class BusinessAlertsNotConfiguredError extends Error {
  constructor() {
    super(
      'Business alerts are off: set context businessAlerts=true (construct prop businessAlerts) so that the consumer ' +
        'gets ALERT_TOPIC_ARN, or give the consumer alertDestinations (the local pipeline does).',
    );
    this.name = 'BusinessAlertsNotConfiguredError';
  }
}

export class NoDisputeReminderSchedulerError extends Error {
  constructor() {
    super(
      'No dispute reminder scheduler is configured: the consumer needs DISPUTE_REMINDER_FUNCTION_ARN, ' +
        'DISPUTE_REMINDER_ROLE_ARN and DISPUTE_REMINDER_SCHEDULE_GROUP (the businessAlerts feature sets them).',
    );
    this.name = 'NoDisputeReminderSchedulerError';
  }
}

/** One or more destinations failed (after their own retries); the event is retried for them. */
export class AlertDeliveryError extends Error {
  readonly destinations: readonly string[];
  constructor(kind: BusinessAlertKind, failures: ReadonlyArray<{ destination: string; error: unknown }>) {
    super(
      `The ${kind} alert could not be sent to ${failures
        .map(({ destination, error }) => `${destination} (${errorSummary(error)})`)
        .join(', ')}; the event is retried and the destinations that took it are not sent it again.`,
      { cause: failures[0]?.error },
    );
    this.name = 'AlertDeliveryError';
    this.destinations = failures.map(({ destination }) => destination);
  }
}

/** The handler context's pieces the binding uses. */
export interface BusinessAlertsBinding {
  readonly eventId: string;
  readonly eventType: string;
  readonly once: (step: string, effect: () => Promise<string | undefined>) => Promise<'done' | 'skipped'>;
  readonly logger: LoggerPort;
  readonly metrics: DimensionedCounter;
}

const notConfigured = async (): Promise<never> => {
  throw new BusinessAlertsNotConfiguredError();
};

/** `ctx.businessAlerts` for one event: the service's destinations behind the event's step ledger. */
export function bindBusinessAlerts(
  service: BusinessAlertsService | undefined,
  binding: BusinessAlertsBinding,
): BusinessAlertsAccess {
  if (service === undefined) {
    return {
      configured: false,
      send: notConfigured,
      scheduleDisputeReminder: notConfigured,
      cancelDisputeReminder: notConfigured,
      remindersConfigured: false,
      reminderLeadHours: 0,
      now: () => new Date(),
    };
  }
  const ids = { eventId: binding.eventId, eventType: binding.eventType };
  const { reminders } = service;
  return {
    configured: true,
    remindersConfigured: reminders !== undefined,
    reminderLeadHours: service.reminderLeadHours,
    now: service.now,
    send: async (alert) => {
      const sent: string[] = [];
      const alreadySent: string[] = [];
      const failures: Array<{ destination: string; error: unknown }> = [];
      for (const destination of service.destinations) {
        try {
          const result = await binding.once(`alert:${alert.kind}:${destination.name}`, async () => {
            await destination.send(alert);
            return undefined;
          });
          (result === 'done' ? sent : alreadySent).push(destination.name);
        } catch (error) {
          failures.push({ destination: destination.name, error });
        }
      }
      if (sent.length > 0) {
        binding.logger.info('Business alert sent', {
          ...ids,
          kind: alert.kind,
          destinations: sent,
          outcome: 'alert_sent',
        });
      }
      if (failures.length > 0) throw new AlertDeliveryError(alert.kind, failures);
      // Counted once per alert: by the attempt that completed its last destination.
      if (sent.length > 0) binding.metrics.count('AlertsSent', 1, { kind: alert.kind });
      return { sent, alreadySent };
    },
    scheduleDisputeReminder: async (input, at) => {
      if (reminders === undefined) throw new NoDisputeReminderSchedulerError();
      await binding.once(`reminder:schedule:${input.disputeId}`, async () => {
        await reminders.schedule(input, at);
        return at.toISOString();
      });
    },
    cancelDisputeReminder: async (disputeId) => {
      if (reminders === undefined) throw new NoDisputeReminderSchedulerError();
      await binding.once(`reminder:cancel:${disputeId}`, async () => {
        await reminders.cancel(disputeId);
        return undefined;
      });
    },
  };
}
