/**
 * When a dispute's reminder fires: `leadHours` before `evidence_details.due_by`, or a minute from now
 * when less than that is left.
 *
 * "At once" is a schedule a minute away rather than the reminder run inline: the reminder then takes
 * the same path as every other (the reminder function reads the dispute from Stripe's API and alerts
 * only if it still needs a response), the consumer makes no Stripe call for it, and EventBridge
 * Scheduler is never handed a time in the past. The minute also keeps it after the "dispute opened"
 * alert of the same event.
 */

/** How far ahead "at once" is. */
export const immediateReminderDelayMs = 60_000;

/** The reminder's time, or undefined when the deadline has passed (or is within the minute): nothing to remind of. */
export function reminderTime(dueBySeconds: number, leadHours: number, now: Date): Date | undefined {
  const dueMs = dueBySeconds * 1000;
  const soonest = now.getTime() + immediateReminderDelayMs;
  if (dueMs <= soonest) return undefined;
  return new Date(Math.max(dueMs - leadHours * 3_600_000, soonest));
}
