/**
 * `account.updated` for a connected account (Connect: the event's `account` is set) that can no longer
 * take payments or be paid out, or whose requirements fell past due: money stops moving until someone
 * provides what is due.
 *
 * It alerts on a change, compared with `data.previous_attributes` (Stripe sends the fields that changed,
 * with their values before): `charges_enabled` or `payouts_enabled` going from true to false, or an item
 * in `requirements.past_due` that was not there before. An update that changed something else while the
 * same items stay past due does not alert again. Without `previous_attributes` (a payload that lost it),
 * any item past due alerts, as nothing says it was already there.
 */
import type { AlertContent, AlertEventFacts } from './alert-content';
import { skip } from './alert-content';
import {
  dashboardUrl,
  dateText,
  eventObject,
  isLive,
  type Loose,
  lines,
  plainWords,
  previousAttributes,
  recordOf,
  shown,
  textOf,
} from './alert-text';
import { withUrl } from './dispute-alerts';

/** Requirements listed in full up to this many; the rest are counted. */
const maxListed = 20;

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}

/** Items now past due that were not before; all of them when the event says nothing of before. */
function newlyPastDue(account: Loose, previous: Loose | undefined): string[] {
  const now = stringList(recordOf(account.requirements)?.past_due) ?? [];
  if (previous === undefined) return now;
  const before = recordOf(previous.requirements);
  // `requirements` absent from previous_attributes, or without past_due in it: past_due did not change.
  if (before === undefined || !('past_due' in before)) return [];
  const was = new Set(stringList(before.past_due) ?? []);
  return now.filter((item) => !was.has(item));
}

function becameDisabled(account: Loose, previous: Loose | undefined, field: 'charges_enabled' | 'payouts_enabled') {
  return account[field] === false && previous?.[field] === true;
}

export function accountRequirementsAlert(event: unknown, facts: AlertEventFacts): AlertContent {
  if (facts.account === undefined) {
    return skip(
      'account_requirements',
      'not_connected_account',
      "The event is about the platform's own account, not a connected account",
    );
  }
  const account = eventObject(event);
  if (account === undefined)
    return skip('account_requirements', 'no_object', 'The event has no account in data.object');
  const previous = previousAttributes(event);
  const newItems = newlyPastDue(account, previous);
  const chargesOff = becameDisabled(account, previous, 'charges_enabled');
  const payoutsOff = becameDisabled(account, previous, 'payouts_enabled');
  if (newItems.length === 0 && !chargesOff && !payoutsOff) {
    return skip(
      'account_requirements',
      'nothing_due',
      'Nothing fell past due and neither charges nor payouts became disabled',
    );
  }
  const requirements = recordOf(account.requirements);
  const pastDue = stringList(requirements?.past_due) ?? [];
  const disabledReason = textOf(requirements?.disabled_reason);
  const deadline = dateText(requirements?.current_deadline);
  const accountId = textOf(account.id) ?? facts.account;
  const profile = recordOf(account.business_profile);
  const name = textOf(profile?.name) ?? textOf(recordOf(recordOf(account.settings)?.dashboard)?.display_name);
  const who = name === null ? accountId : `${shown(name, 80)} (${accountId})`;
  const stopped = [chargesOff ? 'charges' : null, payoutsOff ? 'payouts' : null].filter((item) => item !== null);
  // The platform's view of the connected account: the platform's Dashboard, not the account's own.
  const url = /^acct_[A-Za-z0-9]+$/.test(accountId)
    ? dashboardUrl(`connect/accounts/${accountId}`, { livemode: isLive(event, account) })
    : undefined;
  const listed = pastDue.slice(0, maxListed).map((item) => `  - ${shown(item, 120)}`);
  const text = lines(
    stopped.length === 0 ? null : `Connected account ${who} can no longer take ${stopped.join(' or ')}.`,
    pastDue.length === 0 ? null : `Connected account ${who} has requirements past due:`,
    ...listed,
    pastDue.length > maxListed ? `  ... and ${pastDue.length - maxListed} more` : null,
    disabledReason === null ? null : `Disabled reason: ${plainWords(shown(disabledReason, 80))}`,
    deadline === null ? null : `Current deadline: ${deadline}`,
    'The account holder must provide what is due (an account link, or the Dashboard) before money moves again.',
    url === undefined ? null : `Dashboard: ${url}`,
    `Event: ${facts.eventId}`,
  );
  const subject =
    stopped.length > 0
      ? `Connected account ${accountId}: ${stopped.join(' and ')} disabled`
      : `Connected account ${accountId}: ${pastDue.length} requirement${pastDue.length === 1 ? '' : 's'} past due`;
  return { alert: withUrl({ kind: 'account_requirements', eventId: facts.eventId, subject, text }, url) };
}
