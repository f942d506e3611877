/** Dates in customer emails: Stripe timestamps are seconds since the epoch. */

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Formats a Stripe timestamp as a long date in `locale` (`November 22, 2026`, `22 novembre 2026`,
 * `2026年11月22日`). Always in UTC: the consumer does not know the customer's time zone, and a date
 * without a time cannot say which one it is in.
 */
export function formatStripeDate(epochSeconds: number, locale = 'en'): string {
  let formatter = formatters.get(locale);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    // Locales come from customers' preferences: start over rather than grow without bound.
    if (formatters.size >= 200) formatters.clear();
    formatters.set(locale, formatter);
  }
  return formatter.format(new Date(epochSeconds * 1000));
}
