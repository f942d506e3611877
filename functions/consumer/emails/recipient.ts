/**
 * Who a customer email goes to and in which language. The event often names the address itself
 * (an invoice's `customer_email`); a subscription names only its customer, whose address and
 * `preferred_locales` come from Stripe's API. Without an API key the emails that need the lookup are
 * skipped with a warning, never failed: the business chose not to give the pipeline one.
 */
import type Stripe from 'stripe';
import { StripeApiNotConfiguredError, StripeObjectNotFoundError } from '../../shared/stripe-api/port';
import type { HandlerContext } from '../handler-context';
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

/** Why no recipient was found; each is logged and counted as `EmailsSkipped`. */
export type NoRecipient = 'no_email' | 'customer_deleted' | 'stripe_api_not_configured';

function customerIdOf(customer: RecipientHints['customer']): string | undefined {
  if (!customer) return undefined;
  return typeof customer === 'string' ? customer : customer.id;
}

async function lookUpCustomer(
  hints: RecipientHints,
  context: HandlerContext,
): Promise<Stripe.Customer | Stripe.DeletedCustomer | 'not_configured' | undefined> {
  if (hints.customer && typeof hints.customer !== 'string') return hints.customer;
  const id = customerIdOf(hints.customer);
  if (!id) return undefined;
  try {
    return await context.stripe.retrieveCustomer(id);
  } catch (error) {
    if (error instanceof StripeApiNotConfiguredError) return 'not_configured';
    // The customer is gone from Stripe (deleted in another mode or account): the event's own address still counts.
    if (error instanceof StripeObjectNotFoundError) return undefined;
    throw error; // a Stripe outage: the event is retried
  }
}

/**
 * Finds the recipient of a customer email. An address in the event is used even when the lookup
 * cannot be made (the language then falls back); a deleted customer gets nothing.
 */
export async function findRecipient(
  hints: RecipientHints,
  context: HandlerContext,
): Promise<Recipient | { readonly skipped: NoRecipient }> {
  const customer = await lookUpCustomer(hints, context);
  if (customer !== undefined && customer !== 'not_configured' && customer.deleted)
    return { skipped: 'customer_deleted' };
  const found = customer !== undefined && customer !== 'not_configured' ? customer : undefined;
  const to = hints.email?.trim() || found?.email?.trim();
  if (!to) return { skipped: customer === 'not_configured' ? 'stripe_api_not_configured' : 'no_email' };
  const locale = resolveEmailLocale(
    [hints.locale, ...(found?.preferred_locales ?? [])],
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

/** Logs and counts an email that was not sent for want of a recipient. */
export function reportNoRecipient(context: HandlerContext, reason: NoRecipient): void {
  const log = reason === 'customer_deleted' ? context.logger.info : context.logger.warn;
  log.call(context.logger, skipMessages[reason], { eventId: context.eventId, outcome: `skipped_${reason}` });
  context.metrics.count('EmailsSkipped');
  if (reason === 'stripe_api_not_configured') context.metrics.count('StripeApiNotConfigured');
}
