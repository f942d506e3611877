/**
 * The dispute alerts: a dispute opened (`charge.dispute.created`: amount, reason, evidence due date), a
 * dispute closed (`charge.dispute.closed`: won or lost), and the deadline reminder (`dispute_deadline`,
 * from the dispute as Stripe's API gives it when the reminder fires).
 *
 * Statuses (the `stripe` package's `Dispute.Status`): `warning_*` are inquiries (the issuer asks before
 * a chargeback: answering may prevent one), `needs_response` a chargeback to answer before
 * `evidence_details.due_by`, after which "the dispute is lost by default" (issue 24).
 */
import type { AlertContent, AlertEventFacts } from './alert-content';
import { skip } from './alert-content';
import type { BusinessAlert } from './alert-ports';
import {
  dashboardUrl,
  dateText,
  dateTimeText,
  disputeIdOf,
  eventObject,
  idOf,
  isLive,
  type Loose,
  lines,
  moneyText,
  plainWords,
  recordOf,
  shown,
  textOf,
  timeLeftText,
  timestampOf,
} from './alert-text';

/** The statuses in which the business still has to answer (the reminder alerts only in these; see issue 24). */
export const disputeStatusesNeedingResponse: readonly string[] = ['needs_response', 'warning_needs_response'];

interface DisputeFacts {
  readonly id: string | undefined;
  readonly amount: string;
  readonly reason: string | null;
  readonly status: string | null;
  readonly chargeId: string | undefined;
  readonly dueBy: number | null;
  readonly inquiry: boolean;
  readonly url: string | undefined;
}

function disputeFacts(dispute: Loose, facts: AlertEventFacts, livemode: boolean): DisputeFacts {
  const id = disputeIdOf(dispute.id);
  const status = textOf(dispute.status);
  return {
    id,
    amount: moneyText(dispute.amount, dispute.currency) ?? 'an unknown amount',
    reason: textOf(dispute.reason),
    status,
    chargeId: idOf(dispute.charge, 'ch_') ?? idOf(dispute.charge, 'py_'),
    dueBy: timestampOf(recordOf(dispute.evidence_details)?.due_by),
    inquiry: status?.startsWith('warning_') ?? false,
    url: id === undefined ? undefined : dashboardUrl(`disputes/${id}`, { livemode, account: facts.account }),
  };
}

function accountLine(facts: AlertEventFacts): string | null {
  return facts.account === undefined ? null : `Connected account: ${facts.account}`;
}

export function withUrl(alert: BusinessAlert, url: string | undefined): BusinessAlert {
  return url === undefined ? alert : { ...alert, dashboardUrl: url };
}

/** `charge.dispute.created`: what was disputed, why, and until when it can be answered. */
export function disputeCreatedAlert(event: unknown, facts: AlertEventFacts, now: Date): AlertContent {
  const dispute = eventObject(event);
  if (dispute === undefined) return skip('dispute_created', 'no_object', 'The event has no dispute in data.object');
  const d = disputeFacts(dispute, facts, isLive(event, dispute));
  const what = d.inquiry ? 'Inquiry' : 'Dispute';
  const due = dateTimeText(d.dueBy);
  const subject = [
    `${what} opened: ${d.amount}`,
    d.reason === null ? null : plainWords(d.reason),
    d.dueBy === null ? null : `respond by ${dateText(d.dueBy)}`,
  ]
    .filter((part) => part !== null)
    .join(', ');
  const text = lines(
    d.inquiry
      ? `A cardholder's bank opened an inquiry about a payment of ${d.amount}; answering it may prevent a chargeback.`
      : `A customer disputed a payment of ${d.amount}. The amount and a dispute fee have been taken from your balance.`,
    d.chargeId === undefined ? null : `Payment: ${d.chargeId}`,
    `Reason: ${d.reason === null ? 'not given' : plainWords(shown(d.reason))}`,
    d.status === null ? null : `Status: ${plainWords(shown(d.status))}`,
    due === null
      ? 'Evidence due by: not given in the event; see the Dashboard.'
      : `Evidence due by: ${due} (${timeLeftText((d.dueBy ?? 0) * 1000, now.getTime())} left). Without a response by then, the dispute is lost.`,
    accountLine(facts),
    d.url === undefined ? null : `Respond in the Dashboard: ${d.url}`,
    d.id === undefined ? null : `Dispute: ${d.id}`,
    `Event: ${facts.eventId}`,
  );
  return { alert: withUrl({ kind: 'dispute_created', eventId: facts.eventId, subject, text }, d.url) };
}

/** Won, lost, or an inquiry closed; anything else in Stripe's words. */
function outcomeOf(status: string | null): { readonly word: string; readonly meaning: string } {
  switch (status) {
    case 'won':
      return {
        word: 'won',
        meaning: 'The card issuer decided in your favour; the disputed amount comes back to your balance.',
      };
    case 'lost':
      return {
        word: 'lost',
        meaning:
          'The card issuer decided for the cardholder: the disputed amount and the dispute fee are not returned.',
      };
    case 'warning_closed':
      return { word: 'closed', meaning: 'The inquiry was closed without becoming a chargeback.' };
    case 'prevented':
      return { word: 'prevented', meaning: 'The dispute was prevented before it became a chargeback.' };
    default:
      return {
        word: status === null ? 'closed' : `closed (${plainWords(shown(status, 40))})`,
        meaning: 'See the Dashboard for the outcome.',
      };
  }
}

/** `charge.dispute.closed`: won or lost. */
export function disputeClosedAlert(event: unknown, facts: AlertEventFacts): AlertContent {
  const dispute = eventObject(event);
  if (dispute === undefined) return skip('dispute_closed', 'no_object', 'The event has no dispute in data.object');
  const d = disputeFacts(dispute, facts, isLive(event, dispute));
  const outcome = outcomeOf(d.status);
  const what = d.inquiry ? 'Inquiry' : 'Dispute';
  const text = lines(
    `${what} ${outcome.word}: a payment of ${d.amount}.`,
    outcome.meaning,
    d.chargeId === undefined ? null : `Payment: ${d.chargeId}`,
    d.reason === null ? null : `Reason: ${plainWords(shown(d.reason))}`,
    accountLine(facts),
    d.url === undefined ? null : `Dashboard: ${d.url}`,
    d.id === undefined ? null : `Dispute: ${d.id}`,
    `Event: ${facts.eventId}`,
  );
  return {
    alert: withUrl(
      { kind: 'dispute_closed', eventId: facts.eventId, subject: `${what} ${outcome.word}: ${d.amount}`, text },
      d.url,
    ),
  };
}

/**
 * The reminder: the dispute (as Stripe's API gives it now) still needs a response and its deadline is
 * near. `eventId` is the `charge.dispute.created` event the reminder was scheduled for.
 */
export function disputeDeadlineAlert(dispute: Loose, facts: AlertEventFacts, now: Date): AlertContent {
  const d = disputeFacts(dispute, facts, isLive(dispute));
  const due = dateTimeText(d.dueBy);
  const left = d.dueBy === null ? null : timeLeftText(d.dueBy * 1000, now.getTime());
  const what = d.inquiry ? 'Inquiry' : 'Dispute';
  const subject =
    left === null || left === 'past'
      ? `${what} still unanswered: ${d.amount}`
      : `${what} evidence due in ${left}: ${d.amount}`;
  const text = lines(
    `A ${what.toLowerCase()} of ${d.amount} still needs a response${due === null ? '.' : `: evidence is due by ${due}.`}`,
    'Without a response by then, the dispute is lost.',
    d.reason === null ? null : `Reason: ${plainWords(shown(d.reason))}`,
    d.status === null ? null : `Status: ${plainWords(shown(d.status))}`,
    d.chargeId === undefined ? null : `Payment: ${d.chargeId}`,
    accountLine(facts),
    d.url === undefined ? null : `Respond in the Dashboard: ${d.url}`,
    d.id === undefined ? null : `Dispute: ${d.id}`,
    `Opened by event: ${facts.eventId}`,
  );
  return { alert: withUrl({ kind: 'dispute_deadline', eventId: facts.eventId, subject, text }, d.url) };
}
