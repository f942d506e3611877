/**
 * What Stripe's example objects lack for the events a business alert listens to, so that
 * `npm run trigger -- charge.dispute.created` (and the console's trigger) shows an alert that reads true:
 * a dispute's evidence deadline ahead of the event, not in 2024 (the reminder is scheduled from it); a
 * closed dispute that was won or lost; a failed payout that failed, with Stripe's code and message.
 * `--override` still sets any of these (`data.object.status=won`).
 */

const day = 86_400;

/** Stripe gives a dispute's evidence about 7 to 21 days; the reminder then comes 72 hours before this. */
export const exampleEvidenceDays = 7;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets the fields of `object` (the event's `data.object`, fresh from the example) that an alert of `type` reads. */
export function completeAlertExample(type: string, object: Record<string, unknown>, created: number): void {
  if (type.startsWith('charge.dispute.')) {
    const evidence = isRecord(object.evidence_details) ? object.evidence_details : {};
    const evidenceDetails: Record<string, unknown> = {
      ...evidence,
      // Exactly 7 days after the event (Stripe's are often the end of a day): the reminder then comes 4 days
      // after the event, 96 s with `npm start -- --alert-clock-scale 3600`.
      due_by: created + exampleEvidenceDays * day,
      past_due: false,
    };
    object.evidence_details = evidenceDetails;
    // The example is an inquiry (`warning_needs_response`); the events show a chargeback, the usual dispute.
    const details = isRecord(object.payment_method_details) ? object.payment_method_details : undefined;
    if (details && isRecord(details.card)) details.card = { ...details.card, case_type: 'chargeback' };
    if (type === 'charge.dispute.closed') {
      // A closed chargeback was won or lost (the alert says which).
      object.status = 'lost';
      object.evidence_details = { ...evidenceDetails, due_by: created - 1, has_evidence: true };
    } else if (type === 'charge.dispute.created') {
      object.status = 'needs_response';
    }
  }
  if (type === 'payout.failed') {
    object.status = 'failed';
    // One of Stripe's payout failure codes, with the message Stripe documents for it.
    object.failure_code = 'account_closed';
    object.failure_message = 'The bank account has been closed.';
    object.arrival_date = created;
  }
}
