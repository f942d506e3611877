/**
 * Customer emails for Stripe events, as plain text and HTML, in the customer's language. Pure
 * functions: the consumer decides whether and to whom to send. Each template reads what it needs
 * from the Stripe object into one `EmailModel` (`layout.ts`) that both renderers share, so the two
 * versions say the same thing and every value is escaped in one place.
 */
import type Stripe from 'stripe';
import { formatStripeDate } from './dates';
import { safeHttpUrl } from './html';
import { type EmailBrand, type EmailContent, type EmailLink, type EmailModel, renderEmail } from './layout';
import { emailLanguageOf, resolveEmailLocale } from './locales';
import {
  type CheckoutPaymentStatus,
  type EmailMessages,
  emailMessages,
  type RecurringInterval,
  recurringIntervals,
} from './messages';
import { formatAmount } from './money';

export { formatStripeDate } from './dates';
export type { EmailBrand, EmailContent } from './layout';
export { type EmailLanguage, resolveEmailLocale, supportedEmailLanguages } from './locales';
export type { EmailMessages } from './messages';

export interface RenderOptions {
  /**
   * BCP 47 tag, e.g. 'fr' or 'fr-CA' (Stripe's preferred_locales / Checkout `locale` values).
   * Unsupported languages fall back to English.
   * @default 'en'
   */
  readonly locale?: string;
  /** @default { businessName: '' } (then no business name is shown) */
  readonly brand?: EmailBrand;
}

/** What every template needs: the words, and amounts and dates formatted for the email's locale. */
interface Locale {
  readonly tag: string;
  readonly messages: EmailMessages;
  readonly brand: EmailBrand;
  readonly amount: (amountInMinorUnits: number, currency: string) => string;
  readonly date: (epochSeconds: number) => string;
}

function localeFor(options: RenderOptions): Locale {
  // Re-resolved here, not trusted: a caller passing 'zh-HK' or 'auto' gets English words and English digits.
  const tag = resolveEmailLocale([options.locale], 'en');
  return {
    tag,
    messages: emailMessages[emailLanguageOf(tag)],
    brand: options.brand ?? { businessName: '' },
    amount: (amountInMinorUnits, currency) => formatAmount(amountInMinorUnits, currency, tag),
    date: (epochSeconds) => formatStripeDate(epochSeconds, tag),
  };
}

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

type Detail = readonly [label: string, value: string];

/** A detail row, or none when the value is missing. */
function detail(label: string, value: string | null | undefined): Detail[] {
  return value ? [[label, value]] : [];
}

function render(model: Omit<EmailModel, 'greeting'> & { greetingName: string | null }, locale: Locale): EmailContent {
  const { greetingName, ...rest } = model;
  return renderEmail(
    { ...rest, greeting: locale.messages.greeting(greetingName) },
    { locale: locale.tag, messages: locale.messages, brand: locale.brand },
  );
}

/** `2 × Pro plan` for a quantity above one. */
function withQuantity(description: string, quantity: number | null | undefined): string {
  return quantity !== null && quantity !== undefined && quantity > 1 ? `${quantity} × ${description}` : description;
}

function invoiceItems(invoice: Stripe.Invoice, locale: Locale): EmailModel['items'] {
  return (invoice.lines?.data ?? []).flatMap((line) => {
    const description = nonEmpty(line.description);
    if (!description) return [];
    return [
      {
        description: withQuantity(description, line.quantity),
        amount: locale.amount(line.amount, line.currency || invoice.currency),
      },
    ];
  });
}

/** The invoice's number; finalized invoices always have one, a draft only its id. */
function invoiceNumberOf(invoice: Stripe.Invoice): string | null {
  return nonEmpty(invoice.number) ?? nonEmpty(invoice.id);
}

/** A receipt for a paid invoice (`invoice.paid`). */
export function renderInvoiceReceipt(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.invoiceReceipt;
  const amountPaid = locale.amount(invoice.amount_paid, invoice.currency);
  // A paid invoice is finalized, so it has a number; its id still identifies it if not.
  const invoiceNumber = invoiceNumberOf(invoice) ?? invoice.id;
  const paidAt = invoice.status_transitions?.paid_at ?? invoice.created;
  return render(
    {
      subject: words.subject(invoiceNumber, amountPaid),
      greetingName: nonEmpty(invoice.customer_name),
      lead: [words.lead(invoiceNumber)],
      details: [
        [words.amountPaid, amountPaid],
        [words.invoiceNumber, invoiceNumber],
        [words.datePaid, locale.date(paidAt)],
      ],
      items: invoiceItems(invoice, locale),
      notes: [],
      links: [
        { label: words.viewInvoice, url: invoice.hosted_invoice_url },
        { label: words.downloadPdf, url: invoice.invoice_pdf },
      ],
      closing: words.closing,
    },
    locale,
  );
}

function isKnownPaymentStatus(status: string): status is CheckoutPaymentStatus {
  return status === 'paid' || status === 'unpaid' || status === 'no_payment_required';
}

/** A confirmation for a completed Checkout Session (`checkout.session.completed`). */
export function renderCheckoutConfirmation(
  session: Stripe.Checkout.Session,
  options: RenderOptions = {},
): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.checkoutConfirmation;
  // Sessions in setup mode carry no amount and no currency.
  const total =
    session.amount_total !== null && session.currency !== null
      ? locale.amount(session.amount_total, session.currency)
      : null;
  const status = isKnownPaymentStatus(session.payment_status) ? session.payment_status : 'no_payment_required';
  // `line_items` is only present when the consumer retrieved the session with it expanded.
  const items = (session.line_items?.data ?? []).flatMap((item) => {
    const description = nonEmpty(item.description);
    if (!description) return [];
    return [
      {
        description: withQuantity(description, item.quantity),
        amount: locale.amount(item.amount_total, item.currency),
      },
    ];
  });
  return render(
    {
      subject: words.subject(total),
      greetingName: nonEmpty(session.customer_details?.name),
      lead: [words.leads[status]],
      details: [
        ...detail(status === 'paid' ? words.amountPaid : words.orderTotal, total),
        [words.orderDate, locale.date(session.created)],
      ],
      items,
      notes: [],
      links: [],
      closing: words.closing,
    },
    locale,
  );
}

/** A failed automatic payment (`invoice.payment_failed`): what is due, when Stripe tries again, and a link to pay. */
export function renderPaymentFailed(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.paymentFailed;
  const amountDue = locale.amount(invoice.amount_due, invoice.currency);
  const invoiceNumber = invoiceNumberOf(invoice);
  // Stripe sets no next attempt when it has given up, or when the customer has to act (send_invoice).
  const nextAttempt = invoice.next_payment_attempt !== null ? locale.date(invoice.next_payment_attempt) : null;
  return render(
    {
      subject: words.subject(amountDue, invoiceNumber),
      greetingName: nonEmpty(invoice.customer_name),
      lead: [words.lead(amountDue, invoiceNumber)],
      details: [
        [words.amountDue, amountDue],
        ...detail(words.invoiceNumber, invoiceNumber),
        ...detail(words.attempts, invoice.attempt_count > 0 ? words.attemptCount(invoice.attempt_count) : null),
        ...detail(words.nextAttempt, nextAttempt),
      ],
      items: [],
      notes: [nextAttempt !== null ? words.willRetry(nextAttempt) : words.noRetry],
      links: [{ label: words.payInvoice, url: invoice.hosted_invoice_url }],
      closing: words.closing,
    },
    locale,
  );
}

/** A payment that needs the customer, e.g. for 3-D Secure (`invoice.payment_action_required`). */
export function renderPaymentActionRequired(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.paymentActionRequired;
  const amountDue = locale.amount(invoice.amount_due, invoice.currency);
  const invoiceNumber = invoiceNumberOf(invoice);
  const link: EmailLink = { label: words.completePayment, url: invoice.hosted_invoice_url };
  return render(
    {
      subject: words.subject(amountDue),
      greetingName: nonEmpty(invoice.customer_name),
      lead: [words.lead(amountDue, invoiceNumber)],
      details: [[words.amountDue, amountDue], ...detail(words.invoiceNumber, invoiceNumber)],
      items: [],
      // The instructions send the customer to the invoice: without a usable link they would lead nowhere.
      notes: safeHttpUrl(link.url) !== undefined ? [words.instructions] : [],
      links: [link],
      closing: words.closing,
    },
    locale,
  );
}

/** A refund (`charge.refunded`): how much of the payment went back so far, with the receipt link. */
export function renderRefundNotice(charge: Stripe.Charge, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.refundNotice;
  const refunded = locale.amount(charge.amount_refunded, charge.currency);
  const amount = locale.amount(charge.amount, charge.currency);
  // `amount_refunded` is cumulative: a second partial refund reports the total so far.
  const full = charge.refunded || charge.amount_refunded >= charge.amount;
  return render(
    {
      subject: words.subject(refunded),
      greetingName: nonEmpty(charge.billing_details?.name),
      lead: [full ? words.leadFull(amount) : words.leadPartial(refunded, amount), words.timing],
      details: [
        [words.amountRefunded, refunded],
        [words.originalPayment, amount],
        [words.paymentDate, locale.date(charge.created)],
        ...detail(words.description, nonEmpty(charge.description)),
      ],
      items: [],
      notes: [],
      links: [{ label: words.viewReceipt, url: charge.receipt_url }],
      closing: words.closing,
    },
    locale,
  );
}

function customerNameOf(customer: Stripe.Subscription['customer']): string | null {
  return typeof customer === 'object' && customer !== null && !customer.deleted ? nonEmpty(customer.name) : null;
}

/** What the subscription names itself: its description, else its prices' nicknames. */
function planOf(subscription: Stripe.Subscription): string | null {
  const nicknames = (subscription.items?.data ?? []).flatMap((item) => {
    const nickname = nonEmpty(item.price?.nickname);
    return nickname ? [nickname] : [];
  });
  return nonEmpty(subscription.description) ?? (nicknames.length > 0 ? nicknames.join(', ') : null);
}

function isRecurringInterval(value: string): value is RecurringInterval {
  return (recurringIntervals as readonly string[]).includes(value);
}

/** The quantity Stripe bills: a price can bill per package (`transform_quantity`, e.g. per 10 seats, rounded up). */
function billedQuantity(quantity: number, transform: Stripe.Price.TransformQuantity | null): number {
  if (!transform || !(transform.divide_by > 0)) return quantity;
  const packages = quantity / transform.divide_by;
  return transform.round === 'up' ? Math.ceil(packages) : Math.floor(packages);
}

/**
 * What the subscription's items cost per billing interval (`$20.00 per month`), summing
 * `unit_amount × quantity` (in packages, for a `transform_quantity`) per currency and interval. `null` when any item's price cannot be known
 * from the subscription alone (tiered or metered prices, no quantity): a wrong price is worse than none.
 */
function recurringPriceOf(subscription: Stripe.Subscription, locale: Locale): string | null {
  const items = subscription.items?.data ?? [];
  if (items.length === 0) return null;
  const totals = new Map<string, { currency: string; interval: RecurringInterval; count: number; amount: number }>();
  for (const { price, quantity } of items) {
    const recurring = price?.recurring;
    if (!recurring || price.unit_amount === null || quantity === undefined) return null;
    if (recurring.usage_type === 'metered' || !isRecurringInterval(recurring.interval)) return null;
    const key = `${price.currency}|${recurring.interval}|${recurring.interval_count}`;
    const total = totals.get(key) ?? {
      currency: price.currency,
      interval: recurring.interval,
      count: recurring.interval_count,
      amount: 0,
    };
    total.amount += price.unit_amount * billedQuantity(quantity, price.transform_quantity);
    if (!Number.isSafeInteger(total.amount)) return null;
    totals.set(key, total);
  }
  return [...totals.values()]
    .map(({ currency, interval, count, amount }) =>
      locale.messages.recurringPrice(locale.amount(amount, currency), interval, count),
    )
    .join(locale.messages.pricesSeparator);
}

/** The trial is about to end (`customer.subscription.trial_will_end`): when, and what is charged after it. */
export function renderTrialEnding(subscription: Stripe.Subscription, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.trialEnding;
  const trialEnd = subscription.trial_end !== null ? locale.date(subscription.trial_end) : null;
  const price = recurringPriceOf(subscription, locale);
  return render(
    {
      subject: words.subject(trialEnd),
      greetingName: customerNameOf(subscription.customer),
      lead: [words.lead(trialEnd), price !== null ? words.continuesAt(price) : words.continues],
      details: [
        ...detail(words.plan, planOf(subscription)),
        ...detail(words.trialEnds, trialEnd),
        ...detail(words.priceAfterTrial, price),
      ],
      items: [],
      notes: [words.cancelHint],
      links: [],
      closing: words.closing,
    },
    locale,
  );
}

/** The subscription has ended (`customer.subscription.deleted`). */
export function renderSubscriptionEnded(subscription: Stripe.Subscription, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.subscriptionEnded;
  const endedAt = subscription.ended_at ?? subscription.canceled_at ?? subscription.cancel_at;
  const endDate = endedAt !== null ? locale.date(endedAt) : null;
  return render(
    {
      subject: words.subject,
      greetingName: customerNameOf(subscription.customer),
      lead: [words.lead(endDate), words.body],
      details: [...detail(words.plan, planOf(subscription)), ...detail(words.endDate, endDate)],
      items: [],
      notes: [],
      links: [],
      closing: words.closing,
    },
    locale,
  );
}

/** A renewal reminder (`invoice.upcoming`): what will be due, and when. */
export function renderRenewalReminder(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.renewalReminder;
  const amountDue = locale.amount(invoice.amount_due, invoice.currency);
  const date = locale.date(invoice.next_payment_attempt ?? invoice.period_end);
  return render(
    {
      subject: words.subject(amountDue, date),
      greetingName: nonEmpty(invoice.customer_name),
      lead: [words.lead(date, amountDue)],
      details: [
        [words.amountDue, amountDue],
        [words.renewalDate, date],
      ],
      items: invoiceItems(invoice, locale),
      notes: [words.noAction],
      // An upcoming invoice is a preview without a page; a link appears only if Stripe gives one.
      links: [{ label: words.viewInvoice, url: invoice.hosted_invoice_url }],
      closing: words.closing,
    },
    locale,
  );
}
