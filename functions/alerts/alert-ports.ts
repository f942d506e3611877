/**
 * The ports the business alerts run through: what an alert is, where it goes, and how a dispute
 * reminder is scheduled. The consumer, the reminder function and the local pipeline each give their
 * own implementations (SNS and a webhook; a recorder and a setTimeout scheduler locally).
 */
import type { BusinessAlertKind } from './alert-kinds';

export type { BusinessAlertKind } from './alert-kinds';

export interface BusinessAlert {
  readonly kind: BusinessAlertKind;
  /** The Stripe event id (for the reminder: the `charge.dispute.created` event id). */
  readonly eventId: string;
  /** One line, plain words, figures formatted like the customer emails. */
  readonly subject: string;
  /** Plain text, several lines; includes the Dashboard link where there is one. */
  readonly text: string;
  readonly dashboardUrl?: string;
}

export interface AlertDestination {
  /** `sns`, `webhook`, or locally `local`. */
  readonly name: string;
  /** Throws a transient error to be retried; records a refusal for good (a 4xx) itself and returns. */
  send(alert: BusinessAlert): Promise<void>;
}

export interface DisputeReminderInput {
  readonly disputeId: string;
  /** The `charge.dispute.created` event id. */
  readonly eventId: string;
  /** The connected account the dispute belongs to (Connect). */
  readonly account?: string;
}

export interface DisputeReminderScheduler {
  /** Idempotent per dispute: scheduling again replaces the earlier time. */
  schedule(input: DisputeReminderInput, at: Date): Promise<void>;
  /** No error when none exists. */
  cancel(disputeId: string): Promise<void>;
}
