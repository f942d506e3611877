import type Stripe from 'stripe';
import { invoicePaymentIntentId, invoiceSubscriptionId } from '../../functions/handlers';
import { buildStripeEvent } from '../../tools/stripe-events';

/** Stripe's example invoice (current shape, a one-off invoice: no parent, no payments) with `changes` over it. */
function invoice(changes: Record<string, unknown>): Stripe.Invoice {
  const example = buildStripeEvent('invoice.paid').data.object as Stripe.Invoice;
  return { ...example, ...changes } as Stripe.Invoice;
}

function payment(id: string, paymentIntent: unknown, extra: Record<string, unknown> = {}) {
  return {
    id,
    object: 'invoice_payment',
    is_default: false,
    status: 'paid',
    payment: { type: 'payment_intent', payment_intent: paymentIntent },
    ...extra,
  };
}

describe('invoice fields moved in API version 2025-03-31', () => {
  it('reads the subscription from parent.subscription_details (current) and from invoice.subscription (pre-basil)', () => {
    const current = invoice({
      parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_test_current' } },
    });
    const expanded = invoice({
      parent: { type: 'subscription_details', subscription_details: { subscription: { id: 'sub_test_expanded' } } },
    });
    const preBasil = invoice({ subscription: 'sub_test_old' });
    const preBasilExpanded = invoice({ subscription: { id: 'sub_test_old_expanded', object: 'subscription' } });

    expect(invoiceSubscriptionId(current)).toBe('sub_test_current');
    expect(invoiceSubscriptionId(expanded)).toBe('sub_test_expanded');
    expect(invoiceSubscriptionId(preBasil)).toBe('sub_test_old');
    expect(invoiceSubscriptionId(preBasilExpanded)).toBe('sub_test_old_expanded');
    expect(invoiceSubscriptionId(invoice({}))).toBeNull();
  });

  it("reads the payment intent from the invoice's default payment (current) and from invoice.payment_intent (pre-basil)", () => {
    const current = invoice({
      payments: {
        object: 'list',
        data: [
          payment('inpay_1', 'pi_test_failed_first', { status: 'canceled' }),
          payment('inpay_2', { id: 'pi_test_default' }, { is_default: true }),
        ],
      },
    });
    const noDefault = invoice({
      payments: {
        object: 'list',
        data: [
          payment('inpay_1', 'pi_test_open', { status: 'open' }),
          payment('inpay_2', 'pi_test_paid'),
          { id: 'inpay_3', is_default: false, status: 'paid', payment: { type: 'charge', charge: 'ch_test' } },
        ],
      },
    });
    const preBasil = invoice({ payment_intent: 'pi_test_old' });

    expect(invoicePaymentIntentId(current)).toBe('pi_test_default');
    expect(invoicePaymentIntentId(noDefault)).toBe('pi_test_paid');
    expect(invoicePaymentIntentId(preBasil)).toBe('pi_test_old');
    // Stripe's example (payments not expanded, as in a webhook) has neither.
    expect(invoicePaymentIntentId(invoice({}))).toBeNull();
  });
});
