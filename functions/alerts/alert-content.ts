/**
 * What an alert's content function answers: the alert, or why there is none for this event. A content
 * function never throws on data: a missing or odd field degrades its line ("an unknown amount") or, when
 * there is nothing to alert about, skips with a reason (`AlertsSkipped`, dimension `reason`).
 */
import type { BusinessAlertKind } from './alert-kinds';
import type { BusinessAlert } from './alert-ports';

/**
 * Why no alert was sent: the payload had no object to read (`no_object`), or a rule says this event is
 * not one to act on (`not_connected_account`, `nothing_due`, `not_ended_unpaid`), or the reminder has
 * nothing to schedule (`no_dispute_id`, `no_due_by`, `deadline_passed`, `no_reminder_scheduler`,
 * `invalid_dispute_id`), or nowhere to send it (`no_destination`, `alerts_not_configured`: the built-in
 * alerts included in a consumer without the feature on).
 */
export type AlertSkipReason =
  | 'no_object'
  | 'not_connected_account'
  | 'nothing_due'
  | 'not_ended_unpaid'
  | 'no_dispute_id'
  | 'invalid_dispute_id'
  | 'no_due_by'
  | 'deadline_passed'
  | 'no_reminder_scheduler'
  | 'no_destination'
  | 'alerts_not_configured';

export type AlertContent =
  | { readonly alert: BusinessAlert }
  | {
      readonly skipped: AlertSkipReason;
      /** The log line: why, in plain words, with no customer data. */
      readonly message: string;
      readonly kind: BusinessAlertKind;
    };

/** The event the alert is about, as the handler context knows it. */
export interface AlertEventFacts {
  readonly eventId: string;
  /** The connected account the event comes from (Connect), else undefined. */
  readonly account: string | undefined;
}

export function skip(kind: BusinessAlertKind, skipped: AlertSkipReason, message: string): AlertContent {
  return { kind, skipped, message };
}
