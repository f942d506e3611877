/**
 * Who a customer email goes to and in which language. The event often names the address itself
 * (an invoice's `customer_email`); a subscription names only its customer, whose address and
 * `preferred_locales` come from Stripe's API. Without an API key the emails that need the lookup are
 * skipped with a warning, never failed: the business chose not to give the pipeline one.
 */
import type Stripe from 'stripe';
import { StripeApiNotConfiguredError, StripeObjectNotFoundError } from '../../shared/stripe-api/port';
import type { HandlerContext } from '../handler-context';
import { recordOf, textOf } from './fields';
import { resolveEmailLocale } from './templates';

export interface Recipient {
  readonly to: string;
  /** The email's locale: a Checkout's `locale`, else the customer's first supported preferred locale, else the default. */
  readonly locale: string;
}

export interface RecipientHints {
  /** The address the event itself carries, if any. */
  readonly email?: string | null;
  /** The customer the event belongs to (an id, or the expanded object). */
  readonly customer?: string | Stripe.Customer | Stripe.DeletedCustomer | null;
  /** A locale the event itself carries (a Checkout Session's `locale`), tried before the customer's. */
  readonly locale?: string | null;
}

/** Why no recipient was found; each is logged and counted as `EmailsSkipped` with the reason. */
export type NoRecipient = 'no_email' | 'customer_deleted' | 'stripe_api_not_configured';

/** A customer id in Stripe's shape, from an id or an expanded object; undefined for anything else. */
function customerIdOf(customer: unknown): string | undefined {
  const id = typeof customer === 'string' ? customer : recordOf(customer)?.id;
  return typeof id === 'string' && id.trim() !== '' ? id : undefined;
}

/** What the emails read of a customer, from the event's expanded object or Stripe's API, whatever its shape. */
interface FoundCustomer {
  readonly deleted: boolean;
  readonly email: string | null;
  readonly preferredLocales: string[];
}

function customerFacts(customer: unknown): FoundCustomer | undefined {
  const found = recordOf(customer);
  if (found === undefined) return undefined;
  const locales = Array.isArray(found.preferred_locales) ? found.preferred_locales : [];
  return {
    deleted: found.deleted === true,
    email: textOf(found.email),
    preferredLocales: locales.filter((locale): locale is string => typeof locale === 'string'),
  };
}

async function lookUpCustomer(
  hints: RecipientHints,
  context: HandlerContext,
): Promise<FoundCustomer | 'not_configured' | undefined> {
  // An expanded customer in the event is used as it is (a snapshot of the event's moment).
  const expanded = customerFacts(hints.customer);
  if (expanded !== undefined && (expanded.deleted || expanded.email !== null)) return expanded;
  const id = customerIdOf(hints.customer);
  if (!id) return expanded;
  try {
    return customerFacts(await context.stripe.retrieveCustomer(id)) ?? expanded;
  } catch (error) {
    if (error instanceof StripeApiNotConfiguredError) return 'not_configured';
    // The customer is gone from Stripe (deleted in another mode or account): the event's own address still counts.
    if (error instanceof StripeObjectNotFoundError) return expanded;
    throw error; // a Stripe outage: the event is retried
  }
}

/**
 * Finds the recipient of a customer email. An address in the event is used even when the lookup
 * cannot be made (the language then falls back); a deleted customer gets nothing. Every hint may be
 * missing or of another type than Stripe documents: then it is not used.
 */
export async function findRecipient(
  hints: RecipientHints,
  context: HandlerContext,
): Promise<Recipient | { readonly skipped: NoRecipient }> {
  const customer = await lookUpCustomer(hints, context);
  const found = customer !== undefined && customer !== 'not_configured' ? customer : undefined;
  if (found?.deleted) return { skipped: 'customer_deleted' };
  const to = textOf(hints.email) ?? found?.email;
  if (!to) return { skipped: customer === 'not_configured' ? 'stripe_api_not_configured' : 'no_email' };
  const locale = resolveEmailLocale(
    [textOf(hints.locale), ...(found?.preferredLocales ?? [])],
    context.emailSettings.defaultLocale,
  );
  return { to, locale };
}

const skipMessages: Readonly<Record<NoRecipient, string>> = {
  no_email: 'No customer email address in the event or on the customer; no email sent',
  customer_deleted: 'The customer was deleted in Stripe; no email sent',
  stripe_api_not_configured:
    'This email needs the customer from Stripe, but no Stripe API key is configured; no email sent. ' +
    'Set context stripeApiKeySecretName to a Secrets Manager secret holding a restricted key (customers: read).',
};

/**
 * Logs and counts an email not sent, with its reason: `EmailsSkipped` under the usual dimensions and,
 * once more, with a `reason` dimension (`no_email`, `no_amount`, ...), so a dashboard shows the total and
 * the reasons apart.
 */
export function reportSkippedEmail(
  context: HandlerContext,
  reason: string,
  message: string,
  level: 'info' | 'warn' = 'info',
  details: Readonly<Record<string, unknown>> = {},
): void {
  const log = level === 'warn' ? context.logger.warn : context.logger.info;
  log.call(context.logger, message, {
    eventId: context.eventId,
    eventType: context.eventType,
    outcome: `skipped_${reason}`,
    reason,
    ...details,
  });
  context.metrics.count('EmailsSkipped', undefined, { reason });
}

/** Logs and counts an email that was not sent for want of a recipient. */
export function reportNoRecipient(context: HandlerContext, reason: NoRecipient): void {
  reportSkippedEmail(context, reason, skipMessages[reason], reason === 'customer_deleted' ? 'info' : 'warn');
  if (reason === 'stripe_api_not_configured') context.metrics.count('StripeApiNotConfigured');
}
