/**
 * The team's subscriptions: the built-in customer emails without the checkout confirmation, and,
 * beside the customer's refund email, a refund notice to the finance team. Loaded at synth to list its event types, so nothing happens at
 * import: the handler reads its configuration when it runs.
 */
import { builtInEmails, defineSubscriptions, escapeHtml, formatAmount } from 'stripe-webhooks-aws/handlers';

export default defineSubscriptions((on, { include }) => {
  include(builtInEmails({ off: ['checkout.session.completed'] }));

  on('charge.refunded', async (event, ctx) => {
    const financeAddress = process.env.FINANCE_ADDRESS;
    if (!financeAddress) {
      ctx.logger.warn('FINANCE_ADDRESS is not set; no refund notice sent', { eventId: ctx.eventId });
      return;
    }
    const charge = event.data.object;
    const refunded = formatAmount(charge.amount_refunded, charge.currency);
    const summary = `${refunded} refunded on charge ${charge.id}`;
    // sendEmail runs once per event and step: a retried event does not notify finance twice.
    await ctx.sendEmail(
      {
        to: financeAddress,
        subject: `Refund: ${refunded}`,
        text: `${summary}.\n`,
        html: `<p>${escapeHtml(summary)}.</p>`,
      },
      { step: 'finance-refund-notice' },
    );
    ctx.metrics.count('RefundNotices');
  });
});
