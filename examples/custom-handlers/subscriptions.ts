/**
 * The team's subscriptions: the built-in customer emails without the checkout confirmation; beside the
 * customer's refund email, a refund notice to the finance team; and, from a thin event destination, a
 * notice to the same team when Stripe could not record usage for a billing meter (that usage is not
 * billed until it is sent again). Loaded at synth to list its event types, so nothing happens at
 * import: the handlers read their configuration when they run.
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

  // A thin event carries only a reference: the meter and the error report are fetched through the pipeline's
  // Stripe API port (rate-limited, retried), which needs stripeApiKeySecretName with billing meters: read.
  on('v1.billing.meter.error_report_triggered', async (event, ctx) => {
    const financeAddress = process.env.FINANCE_ADDRESS;
    if (!financeAddress) {
      ctx.logger.warn('FINANCE_ADDRESS is not set; no meter error notice sent', { eventId: ctx.eventId });
      return;
    }
    const meter = await ctx.fetchRelatedObject();
    const report = await ctx.fetchEvent();
    const name = meter?.display_name ?? event.related_object.id;
    const { error_count: errors } = report.data.reason;
    const summary = `${errors} usage event${errors === 1 ? '' : 's'} for meter "${name}" could not be recorded between ${report.data.validation_start} and ${report.data.validation_end}: ${report.data.developer_message_summary}`;
    await ctx.sendEmail(
      {
        to: financeAddress,
        subject: `Usage not recorded: ${name}`,
        text: `${summary}\n`,
        html: `<p>${escapeHtml(summary)}</p>`,
      },
      { step: 'finance-meter-error-notice' },
    );
    ctx.metrics.count('MeterErrorNotices');
  });
});
