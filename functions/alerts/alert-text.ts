/**
 * What every alert's text is made of: figures formatted as the customer emails format them (the same
 * `formatAmount` and `formatStripeDate`, in English: an alert is read by the business, not by a customer
 * in their own language), fields read as they may really arrive (`functions/consumer/emails/fields.ts`),
 * and links to the Stripe Dashboard.
 */
import { formatStripeDate } from '../consumer/emails/dates';
import { amountOf, currencyOf, type Loose, recordOf, textOf, timestampOf } from '../consumer/emails/fields';
import { formatAmount } from '../consumer/emails/money';

export { amountOf, currencyOf, type Loose, recordOf, textOf, timestampOf };

/** `$20.00`, `¥1,500`; null when the amount or the currency is missing or malformed (the caller says "an unknown amount"). */
export function moneyText(amount: unknown, currency: unknown): string | null {
  const value = amountOf(amount);
  const code = currencyOf(currency);
  return value === null || code === null ? null : formatAmount(value, code);
}

const twoDigits = (value: number) => String(value).padStart(2, '0');

/** `August 14, 2024` (UTC, as the emails write dates); null for a missing or malformed timestamp. */
export function dateText(epochSeconds: unknown): string | null {
  const seconds = timestampOf(epochSeconds);
  return seconds === null ? null : formatStripeDate(seconds, 'en');
}

/**
 * `August 14, 2024 at 23:59 UTC`: a deadline needs its time too (Stripe's `due_by` is usually the last
 * second of a day, but not always in the reader's time zone, so it says which one).
 */
export function dateTimeText(epochSeconds: unknown): string | null {
  const seconds = timestampOf(epochSeconds);
  if (seconds === null) return null;
  const date = new Date(seconds * 1000);
  return `${formatStripeDate(seconds, 'en')} at ${twoDigits(date.getUTCHours())}:${twoDigits(date.getUTCMinutes())} UTC`;
}

/** `3 days`, `1 day 4 hours`, `5 hours`, `less than an hour`; `past` when the time has gone. */
export function timeLeftText(untilMs: number, nowMs: number): string {
  const left = untilMs - nowMs;
  if (left <= 0) return 'past';
  if (left < 3_600_000) return 'less than an hour';
  // To the nearest hour: a reminder firing a few seconds after "72 hours before" still says 3 days.
  const hours = Math.round(left / 3_600_000);
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  const unit = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (days === 0) return unit(hours, 'hour');
  return rest === 0 || days >= 3 ? unit(days, 'day') : `${unit(days, 'day')} ${unit(rest, 'hour')}`;
}

/** Stripe's snake_case codes in plain words: `product_not_received` → `product not received`. */
export function plainWords(code: string): string {
  return code.replace(/_/g, ' ');
}

/** A Stripe id with the expected prefix, from an id or an expanded object; undefined for anything else. */
export function idOf(value: unknown, prefix: string): string | undefined {
  const id = typeof value === 'string' ? value : recordOf(value)?.id;
  return typeof id === 'string' && id.startsWith(prefix) && /^[A-Za-z0-9_]+$/.test(id) ? id : undefined;
}

/** A dispute's id, with either prefix Stripe gives disputes (`dp_`, `du_`); undefined for anything else. */
export function disputeIdOf(value: unknown): string | undefined {
  return idOf(value, 'dp_') ?? idOf(value, 'du_');
}

/** The event's object (`data.object`) when it is one. */
export function eventObject(event: unknown): Loose | undefined {
  return recordOf(recordOf(recordOf(event)?.data)?.object);
}

/** The event's `data.previous_attributes` when it is an object (Stripe sends it on `*.updated` events only). */
export function previousAttributes(event: unknown): Loose | undefined {
  return recordOf(recordOf(recordOf(event)?.data)?.previous_attributes);
}

/** An event or object's `livemode`: only `true` is live; anything else (test, or missing) gets the test Dashboard. */
export function isLive(...sources: unknown[]): boolean {
  return sources.some((source) => recordOf(source)?.livemode === true);
}

/**
 * A link to an object in the Stripe Dashboard: `https://dashboard.stripe.com/[acct_…/][test/]<path>`.
 * The test-mode Dashboard is under `/test/`; an object of a connected account (Connect: the event's
 * `account`) is under the account's id first, which opens the Dashboard as that account. Neither form
 * is in Stripe's API reference; both are the Dashboard's own URLs (e.g.
 * `https://dashboard.stripe.com/acct_123/test/payments/pi_123`, as integrations link them), so a
 * Dashboard change could break a link but not the alert: the ids are in the text too.
 */
export function dashboardUrl(path: string, where: { readonly livemode: boolean; readonly account?: string }): string {
  const account = where.account !== undefined && /^acct_[A-Za-z0-9]+$/.test(where.account) ? `${where.account}/` : '';
  return `https://dashboard.stripe.com/${account}${where.livemode ? '' : 'test/'}${path}`;
}

/** One line: newlines and runs of spaces collapsed (a payload's text can hold anything). */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A value from a payload shown in an alert: one line, at most `max` characters. */
export function shown(value: string, max = 200): string {
  const line = oneLine(value);
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** The alert's text: its lines, those without content left out. */
export function lines(...items: Array<string | null | undefined | false>): string {
  return items.filter((item): item is string => typeof item === 'string' && item !== '').join('\n');
}
