import {
  formatStripeDate,
  renderCheckoutConfirmation,
  renderInvoiceReceipt,
} from '../../functions/consumer/emails/templates';
import { buildStripeEvent } from '../../tools/stripe-events';

// 22 November 2026, 10:00:00 UTC
const created = Date.UTC(2026, 10, 22, 10, 0, 0) / 1000;

function paidInvoice(options: Parameters<typeof buildStripeEvent<'invoice.paid'>>[1] = {}) {
  return buildStripeEvent('invoice.paid', { created, ...options }).data.object;
}

describe('renderInvoiceReceipt', () => {
  it('writes a USD receipt with amount, number, date, items and link', () => {
    // Prepare
    const invoice = paidInvoice();

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.subject).toBe('Receipt for invoice INV-0001 — $20.00');
    expect(email.text).toContain('Hi Jenny Rosen,');
    expect(email.text).toContain('Amount paid: $20.00');
    expect(email.text).toContain('Invoice number: INV-0001');
    expect(email.text).toContain('Date paid: November 22, 2026');
    expect(email.text).toContain('- Pro plan (monthly): $20.00');
    expect(email.text).toContain(`View your invoice: https://example.com/invoices/${invoice.id}`);
    expect(email.text).toContain(`Download PDF: https://example.com/invoices/${invoice.id}.pdf`);
    expect(email.html).toContain('Hi Jenny Rosen,');
    expect(email.html).toContain('$20.00');
    expect(email.html).toContain('November 22, 2026');
    expect(email.html).toContain(`href="https://example.com/invoices/${invoice.id}"`);
    expect(email.html).toContain(`href="https://example.com/invoices/${invoice.id}.pdf"`);
    expect(email.html).toContain('<html lang="en">');
  });

  it('writes a JPY receipt without decimals', () => {
    // Prepare
    const invoice = paidInvoice({ currency: 'jpy', amount: 1500 });

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.subject).toBe('Receipt for invoice INV-0001 — ¥1,500');
    expect(email.text).toContain('Amount paid: ¥1,500');
    expect(email.text).toContain('- Pro plan (monthly): ¥1,500');
    expect(email.text).not.toContain('$');
    expect(email.html).toContain('¥1,500');
  });

  it('takes the amount paid from the invoice, not its total', () => {
    // Prepare
    const invoice = paidInvoice({ object: { currency: 'jpy', amount_paid: 1500 } });

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.subject).toBe('Receipt for invoice INV-0001 — ¥1,500');
  });

  it('dates the receipt by when the invoice was paid', () => {
    // Prepare
    const paidAt = Date.UTC(2026, 11, 1, 23, 30, 0) / 1000;
    const invoice = paidInvoice({ object: { status_transitions: { paid_at: paidAt } } });

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.text).toContain('Date paid: December 1, 2026');
  });

  it('escapes every Stripe value in the HTML', () => {
    // Prepare
    const invoice = paidInvoice({
      object: {
        customer_name: '<script>alert("pwned")</script>',
        number: 'INV-<b>1</b>',
        hosted_invoice_url: 'https://example.com/i?a="><img src=x onerror=alert(1)>',
      },
    });
    const [line] = invoice.lines.data;
    if (line) line.description = 'Tom & Jerry <i>deluxe</i>';

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.html).not.toMatch(/<script|<b>|<i>|<img/);
    expect(email.html).toContain('Hi &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;,');
    expect(email.html).toContain('INV-&lt;b&gt;1&lt;/b&gt;');
    expect(email.html).toContain('Tom &amp; Jerry &lt;i&gt;deluxe&lt;/i&gt;');
    expect(email.html).toContain('href="https://example.com/i?a=&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(email.text).toContain('Hi <script>alert("pwned")</script>,');
  });

  it('leaves out a link that is not http(s)', () => {
    // Prepare
    const invoice = paidInvoice({
      object: { hosted_invoice_url: 'javascript:alert(1)', invoice_pdf: 'data:text/html,<script>alert(1)</script>' },
    });

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.html).not.toContain('javascript:');
    expect(email.html).not.toContain('data:');
    expect(email.html).not.toContain('<a ');
    expect(email.text).not.toContain('View your invoice');
    expect(email.text).not.toContain('Download PDF');
  });

  it('copes without the optional fields', () => {
    // Prepare
    const invoice = paidInvoice({
      object: {
        customer_name: null,
        number: null,
        hosted_invoice_url: null,
        invoice_pdf: null,
        status_transitions: { paid_at: null },
        lines: { data: [] },
      },
    });

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.subject).toBe(`Receipt for invoice ${invoice.id} — $20.00`);
    expect(email.text).toContain('Hello,');
    expect(email.text).toContain('Date paid: November 22, 2026');
    expect(email.text).not.toContain('Items:');
    expect(email.text).not.toContain('View your invoice');
    expect(email.html).not.toContain('<a ');
    expect(email.html).not.toContain('>Items<');
  });

  it('keeps the subject on one line', () => {
    // Prepare
    const invoice = paidInvoice({ object: { number: 'INV-0001\r\nBcc: someone@example.com' } });

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.subject).toBe('Receipt for invoice INV-0001 Bcc: someone@example.com — $20.00');
  });

  it('uses no external images or style sheets', () => {
    // Prepare
    const invoice = paidInvoice();

    // Act
    const email = renderInvoiceReceipt(invoice);

    // Assess
    expect(email.html).not.toMatch(/<img|<link|<style|src=|url\(/i);
    expect(email.html.startsWith('<!DOCTYPE html>')).toBe(true);
  });
});

describe('renderCheckoutConfirmation', () => {
  it('confirms a paid session with its total and date', () => {
    // Prepare
    const session = buildStripeEvent('checkout.session.completed', { created }).data.object;

    // Act
    const email = renderCheckoutConfirmation(session);

    // Assess
    expect(email.subject).toBe('Order confirmation — $20.00');
    expect(email.text).toContain('Hi Jenny Rosen,');
    expect(email.text).toContain('Your payment was successful.');
    expect(email.text).toContain('Amount paid: $20.00');
    expect(email.text).toContain('Order date: November 22, 2026');
    expect(email.html).toContain('$20.00');
  });

  it('does not claim payment for a session still awaiting it', () => {
    // Prepare
    const session = buildStripeEvent('checkout.session.completed', {
      created,
      currency: 'jpy',
      amount: 1500,
      object: { payment_status: 'unpaid' },
    }).data.object;

    // Act
    const email = renderCheckoutConfirmation(session);

    // Assess
    expect(email.text).not.toContain('successful');
    expect(email.text).toContain('as soon as your payment has been processed');
    expect(email.text).toContain('Order total: ¥1,500');
  });

  it('copes with a session without amount, currency or name', () => {
    // Prepare
    const session = buildStripeEvent('checkout.session.completed', {
      created,
      object: { amount_total: null, currency: null, customer_details: { name: null } },
    }).data.object;

    // Act
    const email = renderCheckoutConfirmation(session);

    // Assess
    expect(email.subject).toBe('Order confirmation');
    expect(email.text).toContain('Hello,');
    expect(email.text).not.toContain('Amount');
  });

  it('lists expanded line items with quantities', () => {
    // Prepare
    const session = buildStripeEvent('checkout.session.completed', { created }).data.object;
    session.line_items = {
      object: 'list',
      data: [
        {
          id: 'li_test_1',
          object: 'item',
          adjustable_quantity: null,
          amount_discount: 0,
          amount_subtotal: 2000,
          amount_tax: 0,
          amount_total: 2000,
          currency: 'usd',
          description: 'T-shirt <XL>',
          metadata: null,
          price: null,
          quantity: 2,
        },
      ],
      has_more: false,
      url: '/v1/checkout/sessions/cs_test/line_items',
    };

    // Act
    const email = renderCheckoutConfirmation(session);

    // Assess
    expect(email.text).toContain('- 2 × T-shirt <XL>: $20.00');
    expect(email.html).toContain('2 × T-shirt &lt;XL&gt;');
  });

  it('escapes the customer name in the HTML', () => {
    // Prepare
    const session = buildStripeEvent('checkout.session.completed', {
      created,
      object: { customer_details: { name: '<script>x</script>' } },
    }).data.object;

    // Act
    const email = renderCheckoutConfirmation(session);

    // Assess
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Hi &lt;script&gt;x&lt;/script&gt;,');
  });
});

describe('formatStripeDate', () => {
  it('formats in UTC, whatever the time of day', () => {
    // Prepare
    const lateEvening = Date.UTC(2026, 10, 22, 23, 59, 59) / 1000;

    // Act
    const formatted = formatStripeDate(lateEvening);

    // Assess
    expect(formatted).toBe('November 22, 2026');
  });

  it.each([
    ['en-GB', '22 November 2026'],
    ['fr', '22 novembre 2026'],
    ['de', '22. November 2026'],
    ['es', '22 de noviembre de 2026'],
    ['ja', '2026年11月22日'],
  ])('writes the long date of locale %s', (locale, expected) => {
    // Act
    const formatted = formatStripeDate(created, locale);

    // Assess
    expect(formatted).toBe(expected);
  });
});
