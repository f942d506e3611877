/**
 * The words of every customer email, one object per language. Every language implements the whole
 * interface, so a sentence added to one email but not translated is a type error, not an English
 * sentence in a French email. Values in `${}` are already formatted for the email's locale
 * (amounts, dates) or come from Stripe as is (names, invoice numbers); the layout escapes them all.
 */
/** The billing intervals Stripe documents for `price.recurring.interval`; any other is shown as unknown. */
export const recurringIntervals = ['day', 'week', 'month', 'year'] as const;
export type RecurringInterval = (typeof recurringIntervals)[number];

/** The Checkout `payment_status` values Stripe documents. */
export type CheckoutPaymentStatus = 'paid' | 'unpaid' | 'no_payment_required';

export interface EmailMessages {
  /** Opening line, with the customer's name when Stripe has one. */
  readonly greeting: (name: string | null) => string;
  /** Between a label and its value in the text version: `Amount paid: $20.00`. */
  readonly labelSeparator: string;
  /** Heading of the list of items or invoice lines. */
  readonly itemsHeading: string;
  /** A recurring price, e.g. `$20.00 per month`, `$50.00 every 3 months`. */
  readonly recurringPrice: (amount: string, interval: RecurringInterval, intervalCount: number) => string;
  /** Joins several recurring prices (items billed on different intervals). */
  readonly pricesSeparator: string;
  readonly footer: {
    /** Names the business that sent the email. */
    readonly sentBy: (businessName: string) => string;
    /** The sentence around the support address, which the HTML makes a `mailto:` link. */
    readonly contact: readonly [before: string, after: string];
  };

  readonly invoiceReceipt: {
    /** `invoiceNumber` is null only for a payload without a number or an id. */
    readonly subject: (invoiceNumber: string | null, amountPaid: string) => string;
    readonly lead: (invoiceNumber: string | null) => string;
    readonly amountPaid: string;
    readonly invoiceNumber: string;
    readonly datePaid: string;
    readonly viewInvoice: string;
    readonly downloadPdf: string;
    readonly closing: string;
  };

  readonly checkoutConfirmation: {
    readonly subject: (total: string | null) => string;
    /** By `payment_status`: a delayed payment method completes the session before the money arrives. */
    readonly leads: Readonly<Record<CheckoutPaymentStatus, string>>;
    readonly amountPaid: string;
    readonly orderTotal: string;
    readonly orderDate: string;
    readonly closing: string;
  };

  readonly paymentFailed: {
    readonly subject: (amountDue: string, invoiceNumber: string | null) => string;
    readonly lead: (amountDue: string, invoiceNumber: string | null) => string;
    readonly amountDue: string;
    readonly invoiceNumber: string;
    readonly attempts: string;
    /** The value of `attempts`: how many times Stripe has tried to collect. */
    readonly attemptCount: (count: number) => string;
    readonly nextAttempt: string;
    readonly willRetry: (date: string) => string;
    readonly noRetry: string;
    readonly payInvoice: string;
    readonly closing: string;
  };

  readonly paymentActionRequired: {
    readonly subject: (amountDue: string) => string;
    readonly lead: (amountDue: string, invoiceNumber: string | null) => string;
    /** Only when there is a link to follow. */
    readonly instructions: string;
    readonly amountDue: string;
    readonly invoiceNumber: string;
    readonly completePayment: string;
    readonly closing: string;
  };

  readonly refundNotice: {
    readonly subject: (amountRefunded: string) => string;
    /** When `amount_refunded` reaches the payment's `amount`, whatever the charge's `refunded` flag says. */
    readonly leadFull: (amount: string) => string;
    /** `amountRefunded` is the total refunded so far, out of the payment's `amount`. */
    readonly leadPartial: (amountRefunded: string, amount: string) => string;
    /** When the payment's own amount is not in the event: only what was refunded. */
    readonly leadRefunded: (amountRefunded: string) => string;
    readonly timing: string;
    readonly amountRefunded: string;
    readonly originalPayment: string;
    readonly paymentDate: string;
    readonly description: string;
    readonly viewReceipt: string;
    readonly closing: string;
  };

  readonly trialEnding: {
    readonly subject: (trialEnd: string | null) => string;
    readonly lead: (trialEnd: string | null) => string;
    /** What the subscription costs after the trial, when every item's price is known. */
    readonly continuesAt: (price: string) => string;
    readonly continues: string;
    readonly cancelHint: string;
    readonly plan: string;
    readonly trialEnds: string;
    readonly priceAfterTrial: string;
    readonly closing: string;
  };

  readonly subscriptionEnded: {
    readonly subject: string;
    readonly lead: (endDate: string | null) => string;
    readonly body: string;
    readonly plan: string;
    readonly endDate: string;
    readonly closing: string;
  };

  readonly renewalReminder: {
    /** `date` is null when the event gives neither the next payment attempt nor the period's end. */
    readonly subject: (amountDue: string, date: string | null) => string;
    readonly lead: (date: string | null, amountDue: string) => string;
    readonly noAction: string;
    readonly amountDue: string;
    readonly renewalDate: string;
    readonly viewInvoice: string;
    readonly closing: string;
  };
}
