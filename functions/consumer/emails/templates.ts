/**
 * Customer emails for Stripe events, as plain text and HTML, in the customer's language. Pure
 * functions: the consumer decides whether and to whom to send. Each template reads what it needs
 * from the Stripe object into one `EmailModel` (`layout.ts`) that both renderers share, so the two
 * versions say the same thing and every value is escaped in one place.
 */
import type Stripe from 'stripe';
import { formatStripeDate } from './dates';
import { amountOf, countOf, currencyOf, itemsOf, type Loose, recordOf, textOf, timestampOf } from './fields';
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
  /**
   * The event's `created` (epoch seconds): the date an email shows when the object's own date of what
   * happened (paid, ordered, ended) is missing or malformed. Without either, the row is left out.
   * @default none
   */
  readonly eventCreated?: number;
}

/** What every template needs: the words, and amounts and dates formatted for the email's locale. */
interface Locale {
  readonly tag: string;
  readonly messages: EmailMessages;
  readonly brand: EmailBrand;
  /** The amount formatted, or null when the amount or the currency is missing or malformed. */
  readonly amount: (amountInMinorUnits: unknown, currency: unknown) => string | null;
  /** The date formatted, or null when the timestamp is missing or malformed. */
  readonly date: (epochSeconds: unknown) => string | null;
  /** The event's `created`, when it is a usable timestamp. */
  readonly eventCreated: number | null;
}

function localeFor(options: RenderOptions): Locale {
  // Re-resolved here, not trusted: a caller passing 'zh-HK' or 'auto' gets English words and English digits.
  const tag = resolveEmailLocale([typeof options.locale === 'string' ? options.locale : undefined], 'en');
  return {
    tag,
    messages: emailMessages[emailLanguageOf(tag)],
    brand: options.brand ?? { businessName: '' },
    amount: (amountInMinorUnits, currency) => {
      const amount = amountOf(amountInMinorUnits);
      const code = currencyOf(currency);
      return amount === null || code === null ? null : formatAmount(amount, code, tag);
    },
    date: (epochSeconds) => {
      const seconds = timestampOf(epochSeconds);
      return seconds === null ? null : formatStripeDate(seconds, tag);
    },
    eventCreated: timestampOf(options.eventCreated),
  };
}

/** Why an email cannot be written: a key fact (what is paid, owed or refunded, and in what) is missing. */
export type MissingEmailFact = 'no_amount' | 'no_currency';

/** A key fact the email cannot do without, missing or malformed: names the field (`invoice.amount_paid`). */
export class MissingEmailFactError extends Error {
  readonly reason: MissingEmailFact;
  readonly field: string;
  constructor(reason: MissingEmailFact, field: string) {
    super(
      `${field} is ${reason === 'no_amount' ? 'missing or not a Stripe amount (an integer of minor units)' : 'missing or not a three-letter currency code'}: the email cannot say what it is about without it.`,
    );
    this.name = 'MissingEmailFactError';
    this.reason = reason;
    this.field = field;
  }
}

/**
 * The key fact of an email about money: `object[amountField]` in `object.currency`. Returns the problem
 * (and the field, e.g. `invoice.amount_paid`) when either is missing or malformed, else undefined.
 */
export function missingMoneyFact(
  object: unknown,
  amountField: string,
  objectName: string,
): { readonly reason: MissingEmailFact; readonly field: string } | undefined {
  const found = recordOf(object);
  if (amountOf(found?.[amountField]) === null) return { reason: 'no_amount', field: `${objectName}.${amountField}` };
  if (currencyOf(found?.currency) === null) return { reason: 'no_currency', field: `${objectName}.currency` };
  return undefined;
}

/** The key amount of an email, formatted; throws {@link MissingEmailFactError} without it. */
function requiredMoney(locale: Locale, object: Loose, amountField: string, objectName: string): string {
  const problem = missingMoneyFact(object, amountField, objectName);
  if (problem !== undefined) throw new MissingEmailFactError(problem.reason, problem.field);
  return locale.amount(object[amountField], object.currency) ?? '';
}

/** The date something happened: the object's first usable timestamp, else the event's `created`, else null. */
function happenedOn(locale: Locale, ...candidates: unknown[]): string | null {
  for (const candidate of candidates) {
    const date = locale.date(candidate);
    if (date !== null) return date;
  }
  return locale.date(locale.eventCreated);
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

/** A link's URL as Stripe gave it, if a string (the layout keeps only http(s) ones). */
function urlOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** `2 × Pro plan` for a quantity above one. */
function withQuantity(description: string, quantity: unknown): string {
  const count = countOf(quantity);
  return count !== null && count > 1 ? `${count} × ${description}` : description;
}

/** Rows of items with a description and an amount; an item without either is left out. */
function itemRows(
  entries: readonly Loose[],
  locale: Locale,
  read: (entry: Loose) => { description: unknown; quantity: unknown; amount: unknown; currency: unknown },
): EmailModel['items'] {
  return entries.flatMap((entry) => {
    const { description, quantity, amount, currency } = read(entry);
    const text = textOf(description);
    const formatted = locale.amount(amount, currency);
    if (text === null || formatted === null) return [];
    return [{ description: withQuantity(text, quantity), amount: formatted }];
  });
}

function invoiceItems(invoice: Loose, locale: Locale): EmailModel['items'] {
  return itemRows(itemsOf(recordOf(invoice.lines)?.data), locale, (line) => ({
    description: line.description,
    quantity: line.quantity,
    amount: line.amount,
    currency: currencyOf(line.currency) ?? invoice.currency,
  }));
}

/** The invoice's number; finalized invoices always have one, a draft only its id. */
function invoiceNumberOf(invoice: Loose): string | null {
  return textOf(invoice.number) ?? textOf(invoice.id);
}

const loose = (object: unknown): Loose => recordOf(object) ?? {};

/** A receipt for a paid invoice (`invoice.paid`). Throws {@link MissingEmailFactError} without an amount paid and its currency. */
export function renderInvoiceReceipt(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.invoiceReceipt;
  const object = loose(invoice);
  const amountPaid = requiredMoney(locale, object, 'amount_paid', 'invoice');
  // A paid invoice is finalized, so it has a number; its id still identifies it if not.
  const invoiceNumber = invoiceNumberOf(object);
  const paidOn = happenedOn(locale, recordOf(object.status_transitions)?.paid_at, object.created);
  return render(
    {
      subject: words.subject(invoiceNumber, amountPaid),
      greetingName: textOf(object.customer_name),
      lead: [words.lead(invoiceNumber)],
      details: [
        [words.amountPaid, amountPaid],
        ...detail(words.invoiceNumber, invoiceNumber),
        ...detail(words.datePaid, paidOn),
      ],
      items: invoiceItems(object, locale),
      notes: [],
      links: [
        { label: words.viewInvoice, url: urlOf(object.hosted_invoice_url) },
        { label: words.downloadPdf, url: urlOf(object.invoice_pdf) },
      ],
      closing: words.closing,
    },
    locale,
  );
}

function isKnownPaymentStatus(status: unknown): status is CheckoutPaymentStatus {
  return status === 'paid' || status === 'unpaid' || status === 'no_payment_required';
}

/** A confirmation for a completed Checkout Session (`checkout.session.completed`). */
export function renderCheckoutConfirmation(
  session: Stripe.Checkout.Session,
  options: RenderOptions = {},
): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.checkoutConfirmation;
  const object = loose(session);
  // Sessions in setup mode carry no amount and no currency.
  const total = locale.amount(object.amount_total, object.currency);
  const status = isKnownPaymentStatus(object.payment_status) ? object.payment_status : 'no_payment_required';
  // `line_items` is only present when the consumer retrieved the session with it expanded.
  const items = itemRows(itemsOf(recordOf(object.line_items)?.data), locale, (item) => ({
    description: item.description,
    quantity: item.quantity,
    amount: item.amount_total,
    currency: currencyOf(item.currency) ?? object.currency,
  }));
  return render(
    {
      subject: words.subject(total),
      greetingName: textOf(recordOf(object.customer_details)?.name),
      lead: [words.leads[status]],
      details: [
        ...detail(status === 'paid' ? words.amountPaid : words.orderTotal, total),
        ...detail(words.orderDate, happenedOn(locale, object.created)),
      ],
      items,
      notes: [],
      links: [],
      closing: words.closing,
    },
    locale,
  );
}

/**
 * A failed automatic payment (`invoice.payment_failed`): what is due, when Stripe tries again, and a link
 * to pay. Throws {@link MissingEmailFactError} without an amount due and its currency.
 */
export function renderPaymentFailed(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.paymentFailed;
  const object = loose(invoice);
  const amountDue = requiredMoney(locale, object, 'amount_due', 'invoice');
  const invoiceNumber = invoiceNumberOf(object);
  // Stripe sets no next attempt (null) when it has given up, or when the customer has to act (send_invoice);
  // a payload without the field says nothing either way, so the email does not either.
  const nextAttempt = locale.date(object.next_payment_attempt);
  const attempts = countOf(object.attempt_count);
  const retryNote =
    nextAttempt !== null ? [words.willRetry(nextAttempt)] : object.next_payment_attempt === null ? [words.noRetry] : [];
  return render(
    {
      subject: words.subject(amountDue, invoiceNumber),
      greetingName: textOf(object.customer_name),
      lead: [words.lead(amountDue, invoiceNumber)],
      details: [
        [words.amountDue, amountDue],
        ...detail(words.invoiceNumber, invoiceNumber),
        ...detail(words.attempts, attempts !== null && attempts > 0 ? words.attemptCount(attempts) : null),
        ...detail(words.nextAttempt, nextAttempt),
      ],
      items: [],
      notes: retryNote,
      links: [{ label: words.payInvoice, url: urlOf(object.hosted_invoice_url) }],
      closing: words.closing,
    },
    locale,
  );
}

/**
 * A payment that needs the customer, e.g. for 3-D Secure (`invoice.payment_action_required`). Throws
 * {@link MissingEmailFactError} without an amount due and its currency.
 */
export function renderPaymentActionRequired(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.paymentActionRequired;
  const object = loose(invoice);
  const amountDue = requiredMoney(locale, object, 'amount_due', 'invoice');
  const invoiceNumber = invoiceNumberOf(object);
  const link: EmailLink = { label: words.completePayment, url: urlOf(object.hosted_invoice_url) };
  return render(
    {
      subject: words.subject(amountDue),
      greetingName: textOf(object.customer_name),
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

/**
 * A refund (`charge.refunded`): how much of the payment went back so far, with the receipt link. Throws
 * {@link MissingEmailFactError} without an amount refunded and its currency.
 */
export function renderRefundNotice(charge: Stripe.Charge, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.refundNotice;
  const object = loose(charge);
  const refunded = requiredMoney(locale, object, 'amount_refunded', 'charge');
  const amount = locale.amount(object.amount, object.currency);
  // `amount_refunded` is cumulative: a second partial refund reports the total so far.
  const refundedAmount = amountOf(object.amount_refunded) ?? 0;
  const originalAmount = amountOf(object.amount);
  // The amounts decide, not the `refunded` flag: a hand-made or edited event can carry a flag that
  // contradicts them, and the email shows the amounts. Without the payment's amount, the neutral sentence.
  const lead =
    amount === null || originalAmount === null
      ? words.leadRefunded(refunded)
      : refundedAmount >= originalAmount
        ? words.leadFull(amount)
        : words.leadPartial(refunded, amount);
  return render(
    {
      subject: words.subject(refunded),
      greetingName: textOf(recordOf(object.billing_details)?.name),
      lead: [lead, words.timing],
      details: [
        [words.amountRefunded, refunded],
        ...detail(words.originalPayment, amount),
        ...detail(words.paymentDate, happenedOn(locale, object.created)),
        ...detail(words.description, textOf(object.description)),
      ],
      items: [],
      notes: [],
      links: [{ label: words.viewReceipt, url: urlOf(object.receipt_url) }],
      closing: words.closing,
    },
    locale,
  );
}

function customerNameOf(customer: unknown): string | null {
  const found = recordOf(customer);
  return found !== undefined && found.deleted !== true ? textOf(found.name) : null;
}

/** What the subscription names itself: its description, else its prices' nicknames. */
function planOf(subscription: Loose): string | null {
  const nicknames = itemsOf(recordOf(subscription.items)?.data).flatMap((item) => {
    const nickname = textOf(recordOf(item.price)?.nickname);
    return nickname ? [nickname] : [];
  });
  return textOf(subscription.description) ?? (nicknames.length > 0 ? nicknames.join(', ') : null);
}

function isRecurringInterval(value: unknown): value is RecurringInterval {
  return (recurringIntervals as readonly unknown[]).includes(value);
}

/** The quantity Stripe bills: a price can bill per package (`transform_quantity`, e.g. per 10 seats, rounded up). */
function billedQuantity(quantity: number, transform: Loose | undefined): number {
  const divideBy = transform?.divide_by;
  if (typeof divideBy !== 'number' || !(divideBy > 0) || !Number.isFinite(divideBy)) return quantity;
  const packages = quantity / divideBy;
  return transform?.round === 'up' ? Math.ceil(packages) : Math.floor(packages);
}

/**
 * What the subscription's items cost per billing interval (`$20.00 per month`), summing
 * `unit_amount × quantity` (in packages, for a `transform_quantity`) per currency and interval. `null` when any item's price cannot be known
 * from the subscription alone (tiered or metered prices, no quantity): a wrong price is worse than none.
 */
function recurringPriceOf(subscription: Loose, locale: Locale): string | null {
  const items = itemsOf(recordOf(subscription.items)?.data);
  if (items.length === 0) return null;
  const totals = new Map<string, { currency: string; interval: RecurringInterval; count: number; amount: number }>();
  for (const item of items) {
    const price = recordOf(item.price);
    const recurring = recordOf(price?.recurring);
    const unitAmount = amountOf(price?.unit_amount);
    const currency = currencyOf(price?.currency);
    const quantity = countOf(item.quantity);
    const intervalCount = countOf(recurring?.interval_count);
    if (!recurring || unitAmount === null || currency === null || quantity === null) return null;
    if (recurring.usage_type === 'metered' || !isRecurringInterval(recurring.interval)) return null;
    if (intervalCount === null || intervalCount < 1) return null;
    const key = `${currency.toLowerCase()}|${recurring.interval}|${intervalCount}`;
    const total = totals.get(key) ?? { currency, interval: recurring.interval, count: intervalCount, amount: 0 };
    total.amount += unitAmount * billedQuantity(quantity, recordOf(price?.transform_quantity));
    if (!Number.isSafeInteger(total.amount)) return null;
    totals.set(key, total);
  }
  return [...totals.values()]
    .map(({ currency, interval, count, amount }) =>
      locale.messages.recurringPrice(locale.amount(amount, currency) ?? '', interval, count),
    )
    .join(locale.messages.pricesSeparator);
}

/** The trial is about to end (`customer.subscription.trial_will_end`): when, and what is charged after it. */
export function renderTrialEnding(subscription: Stripe.Subscription, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.trialEnding;
  const object = loose(subscription);
  // Not the event's date: the event comes days before the trial ends.
  const trialEnd = locale.date(object.trial_end);
  const price = recurringPriceOf(object, locale);
  return render(
    {
      subject: words.subject(trialEnd),
      greetingName: customerNameOf(object.customer),
      lead: [words.lead(trialEnd), price !== null ? words.continuesAt(price) : words.continues],
      details: [
        ...detail(words.plan, planOf(object)),
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
  const object = loose(subscription);
  // The deletion event is created when the subscription ends: its date is the end date when the object has none.
  const endDate = happenedOn(locale, object.ended_at, object.canceled_at, object.cancel_at);
  return render(
    {
      subject: words.subject,
      greetingName: customerNameOf(object.customer),
      lead: [words.lead(endDate), words.body],
      details: [...detail(words.plan, planOf(object)), ...detail(words.endDate, endDate)],
      items: [],
      notes: [],
      links: [],
      closing: words.closing,
    },
    locale,
  );
}

/**
 * A renewal reminder (`invoice.upcoming`): what will be due, and when. Throws {@link MissingEmailFactError}
 * without an amount due and its currency.
 */
export function renderRenewalReminder(invoice: Stripe.Invoice, options: RenderOptions = {}): EmailContent {
  const locale = localeFor(options);
  const words = locale.messages.renewalReminder;
  const object = loose(invoice);
  const amountDue = requiredMoney(locale, object, 'amount_due', 'invoice');
  // Not the event's date: the reminder comes days before the renewal.
  const date = locale.date(object.next_payment_attempt) ?? locale.date(object.period_end);
  return render(
    {
      subject: words.subject(amountDue, date),
      greetingName: textOf(object.customer_name),
      lead: [words.lead(date, amountDue)],
      details: [[words.amountDue, amountDue], ...detail(words.renewalDate, date)],
      items: invoiceItems(object, locale),
      notes: [words.noAction],
      // An upcoming invoice is a preview without a page; a link appears only if Stripe gives one.
      links: [{ label: words.viewInvoice, url: urlOf(object.hosted_invoice_url) }],
      closing: words.closing,
    },
    locale,
  );
}
