import type { EmailMessages, RecurringInterval } from './types';

const units: Readonly<Record<RecurringInterval, readonly [one: string, many: string]>> = {
  day: ['day', 'days'],
  week: ['week', 'weeks'],
  month: ['month', 'months'],
  year: ['year', 'years'],
};

const forInvoice = (invoiceNumber: string | null) => (invoiceNumber ? ` for invoice ${invoiceNumber}` : '');

export const en: EmailMessages = {
  greeting: (name) => (name ? `Hi ${name},` : 'Hello,'),
  labelSeparator: ': ',
  itemsHeading: 'Items',
  recurringPrice: (amount, interval, count) =>
    count === 1 ? `${amount} per ${units[interval][0]}` : `${amount} every ${count} ${units[interval][1]}`,
  pricesSeparator: ' + ',
  footer: {
    sentBy: (businessName) => `This email was sent by ${businessName}.`,
    contact: ['Questions? Write to us at ', '.'],
  },

  invoiceReceipt: {
    subject: (invoiceNumber, amountPaid) =>
      invoiceNumber ? `Receipt for invoice ${invoiceNumber} — ${amountPaid}` : `Receipt — ${amountPaid}`,
    lead: (invoiceNumber) =>
      invoiceNumber
        ? `Thank you for your payment. This is your receipt for invoice ${invoiceNumber}.`
        : 'Thank you for your payment. This is your receipt.',
    amountPaid: 'Amount paid',
    invoiceNumber: 'Invoice number',
    datePaid: 'Date paid',
    viewInvoice: 'View your invoice',
    downloadPdf: 'Download PDF',
    closing: 'Please keep this email for your records.',
  },

  checkoutConfirmation: {
    subject: (total) => (total ? `Order confirmation — ${total}` : 'Order confirmation'),
    leads: {
      paid: 'Thank you for your order. Your payment was successful.',
      unpaid: 'Thank you for your order. We will let you know as soon as your payment has been processed.',
      no_payment_required: 'Thank you for your order.',
    },
    amountPaid: 'Amount paid',
    orderTotal: 'Order total',
    orderDate: 'Order date',
    closing: 'Please keep this email for your records.',
  },

  paymentFailed: {
    subject: (amountDue, invoiceNumber) =>
      invoiceNumber ? `Payment failed for invoice ${invoiceNumber} — ${amountDue}` : `Payment failed — ${amountDue}`,
    lead: (amountDue, invoiceNumber) =>
      `We were unable to collect your payment of ${amountDue}${forInvoice(invoiceNumber)}.`,
    amountDue: 'Amount due',
    invoiceNumber: 'Invoice number',
    attempts: 'Payment attempts',
    attemptCount: (count) => String(count),
    nextAttempt: 'Next attempt',
    willRetry: (date) =>
      `We will try again on ${date}. Please make sure your payment method is up to date, or pay the invoice now.`,
    noRetry: 'We will not try to collect this payment again automatically. Please pay the invoice to settle it.',
    payInvoice: 'Pay invoice',
    closing: 'If you have already paid, please disregard this email.',
  },

  paymentActionRequired: {
    subject: (amountDue) => `Action required: confirm your payment of ${amountDue}`,
    lead: (amountDue, invoiceNumber) =>
      `Your bank has asked you to confirm your payment of ${amountDue}${forInvoice(invoiceNumber)}.`,
    instructions:
      'To complete it, open the invoice and confirm the payment with your bank (for example with 3-D Secure).',
    amountDue: 'Amount due',
    invoiceNumber: 'Invoice number',
    completePayment: 'Complete payment',
    closing: 'Thank you.',
  },

  refundNotice: {
    subject: (amountRefunded) => `Refund of ${amountRefunded}`,
    leadFull: (amount) => `We have refunded your payment of ${amount} in full.`,
    leadPartial: (amountRefunded, amount) => `We have refunded ${amountRefunded} of your payment of ${amount}.`,
    leadRefunded: (amountRefunded) => `We have refunded ${amountRefunded} of your payment.`,
    timing: 'Depending on your bank, it can take 5 to 10 business days for the refund to appear on your statement.',
    amountRefunded: 'Amount refunded',
    originalPayment: 'Original payment',
    paymentDate: 'Payment date',
    description: 'Description',
    viewReceipt: 'View receipt',
    closing: 'Please keep this email for your records.',
  },

  trialEnding: {
    subject: (trialEnd) => (trialEnd ? `Your trial ends on ${trialEnd}` : 'Your trial is ending soon'),
    lead: (trialEnd) => (trialEnd ? `Your free trial ends on ${trialEnd}.` : 'Your free trial is ending soon.'),
    continuesAt: (price) => `After that, your subscription continues at ${price}.`,
    continues: 'After that, your subscription continues automatically.',
    cancelHint: 'If you do not wish to continue, you can cancel before the trial ends.',
    plan: 'Plan',
    trialEnds: 'Trial ends',
    priceAfterTrial: 'Price after the trial',
    closing: 'Thank you for trying us out.',
  },

  subscriptionEnded: {
    subject: 'Your subscription has ended',
    lead: (endDate) => (endDate ? `Your subscription ended on ${endDate}.` : 'Your subscription has ended.'),
    body: 'You will not be charged for it again. You are welcome to subscribe again at any time.',
    plan: 'Plan',
    endDate: 'End date',
    closing: 'Thank you for having been a customer.',
  },

  renewalReminder: {
    subject: (amountDue, date) =>
      date ? `Your subscription renews on ${date} — ${amountDue}` : `Your subscription renews soon — ${amountDue}`,
    lead: (date, amountDue) =>
      `This is a reminder that your subscription renews ${date ? `on ${date}` : 'soon'}. The amount due will be ${amountDue}.`,
    noAction: 'If your payment details are up to date, there is nothing you need to do.',
    amountDue: 'Amount due',
    renewalDate: 'Renewal date',
    viewInvoice: 'View invoice',
    closing: 'Thank you for being a customer.',
  },
};
