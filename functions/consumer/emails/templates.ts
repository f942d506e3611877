/**
 * Customer emails for Stripe events, as plain text and HTML. Pure functions: the consumer decides
 * whether and to whom to send. Each template fills one small model that both renderers share, so
 * the two versions say the same thing and every Stripe value is escaped in one place.
 */
import type Stripe from 'stripe';
import { escapeHtml, safeHttpUrl, singleLine } from './html';
import { formatAmount } from './money';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

interface EmailModel {
  readonly subject: string;
  readonly greetingName: string | null;
  readonly lead: string;
  readonly details: ReadonlyArray<readonly [label: string, value: string]>;
  readonly items: ReadonlyArray<{ readonly description: string; readonly amount: string }>;
  readonly link?: { readonly label: string; readonly url: string };
  readonly closing: string;
}

// The consumer does not know the customer's time zone; UTC with the month spelled out cannot be misread.
const stripeDateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** Formats a Stripe timestamp (seconds since the epoch) as e.g. `22 November 2026`, in UTC. */
export function formatStripeDate(epochSeconds: number): string {
  return stripeDateFormat.format(new Date(epochSeconds * 1000));
}

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** A receipt for a paid invoice (`invoice.paid`). */
export function renderInvoiceReceipt(invoice: Stripe.Invoice): EmailContent {
  const amountPaid = formatAmount(invoice.amount_paid, invoice.currency);
  // Finalized invoices always have a number; the id is a fallback that still identifies a draft.
  const invoiceNumber = nonEmpty(invoice.number) ?? invoice.id;
  const paidAt = invoice.status_transitions?.paid_at ?? invoice.created;
  const items = (invoice.lines?.data ?? []).flatMap((line) => {
    const description = nonEmpty(line.description);
    return description ? [{ description, amount: formatAmount(line.amount, line.currency || invoice.currency) }] : [];
  });
  const hostedInvoiceUrl = safeHttpUrl(invoice.hosted_invoice_url);
  return render({
    subject: `Receipt for invoice ${invoiceNumber} — ${amountPaid}`,
    greetingName: nonEmpty(invoice.customer_name),
    lead: `Thank you for your payment. This is your receipt for invoice ${invoiceNumber}.`,
    details: [
      ['Amount paid', amountPaid],
      ['Invoice number', invoiceNumber],
      ['Date paid', formatStripeDate(paidAt)],
    ],
    items,
    ...(hostedInvoiceUrl ? { link: { label: 'View your invoice', url: hostedInvoiceUrl } } : {}),
    closing: 'Please keep this email for your records.',
  });
}

const checkoutLeads: Readonly<Record<Stripe.Checkout.Session.PaymentStatus, string>> = {
  paid: 'Thank you for your order. Your payment was successful.',
  // Delayed payment methods (bank debits, vouchers) complete the session before the money arrives.
  unpaid: 'Thank you for your order. We will let you know as soon as your payment has been processed.',
  no_payment_required: 'Thank you for your order.',
};

/** A confirmation for a completed Checkout Session (`checkout.session.completed`). */
export function renderCheckoutConfirmation(session: Stripe.Checkout.Session): EmailContent {
  // Sessions in setup mode carry no amount and no currency.
  const total =
    session.amount_total !== null && session.currency !== null
      ? formatAmount(session.amount_total, session.currency)
      : null;
  const details: Array<readonly [string, string]> = [];
  if (total !== null) details.push([session.payment_status === 'paid' ? 'Amount paid' : 'Order total', total]);
  details.push(['Order date', formatStripeDate(session.created)]);
  // `line_items` is only present when the consumer retrieved the session with it expanded.
  const items = (session.line_items?.data ?? []).flatMap((item) => {
    const description = nonEmpty(item.description);
    if (!description) return [];
    const quantity = item.quantity !== null && item.quantity > 1 ? `${item.quantity} × ` : '';
    return [{ description: `${quantity}${description}`, amount: formatAmount(item.amount_total, item.currency) }];
  });
  return render({
    subject: total !== null ? `Order confirmation — ${total}` : 'Order confirmation',
    greetingName: nonEmpty(session.customer_details?.name),
    lead: checkoutLeads[session.payment_status] ?? checkoutLeads.no_payment_required,
    details,
    items,
    closing: 'Please keep this email for your records.',
  });
}

function render(model: EmailModel): EmailContent {
  const subject = singleLine(model.subject);
  return { subject, text: renderText(model), html: renderHtml(model, subject) };
}

function greeting(model: EmailModel): string {
  return model.greetingName ? `Hi ${model.greetingName},` : 'Hello,';
}

function renderText(model: EmailModel): string {
  const lines = [greeting(model), '', model.lead, ''];
  for (const [label, value] of model.details) lines.push(`${label}: ${value}`);
  if (model.items.length > 0) {
    lines.push('', 'Items:');
    for (const item of model.items) lines.push(`- ${item.description}: ${item.amount}`);
  }
  if (model.link) lines.push('', `${model.link.label}: ${model.link.url}`);
  lines.push('', model.closing, '');
  return lines.join('\n');
}

const style = {
  body: 'margin:0;padding:24px;background-color:#f6f9fc;font-family:Helvetica,Arial,sans-serif;color:#1a1f36;',
  card: 'max-width:560px;margin:0 auto;padding:32px;background-color:#ffffff;border-radius:8px;',
  paragraph: 'margin:0 0 16px 0;font-size:16px;line-height:24px;',
  table: 'width:100%;border-collapse:collapse;margin:0 0 24px 0;font-size:15px;line-height:22px;',
  heading: 'margin:0 0 8px 0;font-size:16px;font-weight:bold;',
  label: 'padding:6px 0;color:#697386;text-align:left;',
  value: 'padding:6px 0;text-align:right;',
  button:
    'display:inline-block;padding:10px 18px;background-color:#635bff;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold;',
} as const;

function row(label: string, value: string): string {
  return `<tr><td style="${style.label}">${escapeHtml(label)}</td><td style="${style.value}">${escapeHtml(value)}</td></tr>`;
}

function renderHtml(model: EmailModel, subject: string): string {
  const parts = [
    `<p style="${style.paragraph}">${escapeHtml(greeting(model))}</p>`,
    `<p style="${style.paragraph}">${escapeHtml(model.lead)}</p>`,
    `<table role="presentation" style="${style.table}">${model.details.map(([label, value]) => row(label, value)).join('')}</table>`,
  ];
  if (model.items.length > 0) {
    parts.push(
      `<p style="${style.heading}">Items</p>`,
      `<table role="presentation" style="${style.table}">${model.items.map((item) => row(item.description, item.amount)).join('')}</table>`,
    );
  }
  if (model.link) {
    parts.push(
      `<p style="${style.paragraph}"><a href="${escapeHtml(model.link.url)}" style="${style.button}">${escapeHtml(model.link.label)}</a></p>`,
    );
  }
  parts.push(`<p style="${style.paragraph}">${escapeHtml(model.closing)}</p>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    `<body style="${style.body}">`,
    `<div style="${style.card}">`,
    ...parts,
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
