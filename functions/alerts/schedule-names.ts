/**
 * The names of the reminder schedules (the contract between the consumer, which creates and deletes
 * them, and the construct, whose IAM policy allows `schedule/<group>/dispute-reminder-*` only).
 * EventBridge Scheduler names are `[0-9a-zA-Z-_.]{1,64}`.
 */

export const disputeReminderSchedulePrefix = 'dispute-reminder-';

const maxScheduleNameLength = 64;

/** A dispute id a schedule can be named after: Stripe's ids (`dp_` + 24 characters) always are. */
export function isSchedulableDisputeId(disputeId: string): boolean {
  return (
    /^[0-9a-zA-Z_]+$/.test(disputeId) &&
    disputeReminderSchedulePrefix.length + disputeId.length <= maxScheduleNameLength
  );
}

/** `dispute-reminder-dp_...`. */
export function disputeReminderScheduleName(disputeId: string): string {
  return `${disputeReminderSchedulePrefix}${disputeId}`;
}

/** `at(2026-12-06T17:45:00)`: Scheduler's one-time expression, in UTC (the schedule says so), to the second. */
export function atExpression(at: Date): string {
  return `at(${at.toISOString().slice(0, 19)})`;
}
