/**
 * `payout.failed`: money did not reach the bank account or card. The amount, Stripe's failure code and
 * message (the `stripe` package's `Payout.failure_code`, e.g. `account_closed`, `no_account`,
 * `insufficient_funds`), and the destination; the funds go back to the Stripe balance.
 */
import type { AlertContent, AlertEventFacts } from './alert-content';
import { skip } from './alert-content';
import { dashboardUrl, dateText, eventObject, idOf, isLive, lines, moneyText, shown, textOf } from './alert-text';
import { withUrl } from './dispute-alerts';

export function payoutFailedAlert(event: unknown, facts: AlertEventFacts): AlertContent {
  const payout = eventObject(event);
  if (payout === undefined) return skip('payout_failed', 'no_object', 'The event has no payout in data.object');
  const id = idOf(payout.id, 'po_');
  const amount = moneyText(payout.amount, payout.currency) ?? 'an unknown amount';
  const code = textOf(payout.failure_code);
  const message = textOf(payout.failure_message);
  const destination = idOf(payout.destination, 'ba_') ?? idOf(payout.destination, 'card_');
  const arrival = dateText(payout.arrival_date);
  const url =
    id === undefined
      ? undefined
      : dashboardUrl(`payouts/${id}`, { livemode: isLive(event, payout), account: facts.account });
  const text = lines(
    `A payout of ${amount} failed${code === null ? '' : ` (${shown(code, 60)})`}.`,
    message === null ? null : `Stripe says: ${shown(message, 500)}`,
    'The amount goes back to the Stripe balance; check the bank account or card it was sent to before the next payout.',
    destination === undefined ? null : `Destination: ${destination}`,
    arrival === null ? null : `Expected arrival was: ${arrival}`,
    facts.account === undefined ? null : `Connected account: ${facts.account}`,
    url === undefined ? null : `Dashboard: ${url}`,
    id === undefined ? null : `Payout: ${id}`,
    `Event: ${facts.eventId}`,
  );
  const subject = `Payout failed: ${amount}${code === null ? '' : ` (${shown(code, 40)})`}`;
  return { alert: withUrl({ kind: 'payout_failed', eventId: facts.eventId, subject, text }, url) };
}
