import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { renderRefundNotice } from '../../functions/consumer/emails/templates';
import { applyOverrides, buildAnyEvent } from '../../tools/event-catalogue';
import { runTrigger } from '../../tools/run-trigger';
import { buildStripeEvent } from '../../tools/stripe-events';

const secret = 'whsec_refund_coherence_test_secret';

/** A charge.refunded event as `npm run trigger` builds it, with the command line's overrides applied. */
function triggeredCharge(...overrides: string[]): Stripe.Charge {
  const { event } = buildAnyEvent('charge.refunded', { amount: 2000, currency: 'usd' });
  applyOverrides(event, overrides);
  return (event as unknown as Stripe.ChargeRefundedEvent).data.object;
}

describe('charge.refunded overrides keep the charge coherent', () => {
  it.each([
    // [overrides, amount, amount_refunded, refunded, latest refund's amount]
    [['data.object.amount_refunded=500'], 2000, 500, false, 500],
    [['data.object.amount_refunded=2000'], 2000, 2000, true, 2000],
    [['data.object.amount_refunded=2500'], 2000, 2500, true, 2500],
    [['data.object.amount=5000'], 5000, 2000, false, 2000],
    [['data.object.amount=1500'], 1500, 2000, true, 2000],
    [['data.object.amount=800', 'data.object.amount_refunded=800'], 800, 800, true, 800],
    // The override's own `refunded` stands, whatever the amounts say.
    [['data.object.amount_refunded=500', 'data.object.refunded=true'], 2000, 500, true, 500],
    [['data.object.refunded=false'], 2000, 2000, false, 2000],
    // The refund's own amount set: the total follows it (one refund in a complete list).
    [['data.object.refunds.data.0.amount=700'], 2000, 700, false, 700],
    // Both set: neither is changed, `refunded` follows the total.
    [['data.object.amount_refunded=900', 'data.object.refunds.data.0.amount=400'], 2000, 900, false, 400],
  ])(
    '%j gives amount %d, amount_refunded %d, refunded %s, latest refund %d',
    (overrides, amount, total, refunded, latest) => {
      // Act
      const charge = triggeredCharge(...overrides);

      // Assess
      expect(charge).toMatchObject({ amount, amount_refunded: total, refunded });
      expect(charge.refunds?.data[0]?.amount).toBe(latest);
    },
  );

  it('keeps amount_captured with an overridden amount, unless it is overridden too', () => {
    // Act
    const followed = triggeredCharge('data.object.amount=5000');
    const kept = triggeredCharge('data.object.amount=5000', 'data.object.amount_captured=1234');

    // Assess
    expect(followed.amount_captured).toBe(5000);
    expect(kept.amount_captured).toBe(1234);
  });

  it('makes the latest refund what the total adds over the earlier ones', () => {
    // Prepare
    const earlier = { id: 're_test_earlier', object: 'refund', amount: 300, currency: 'usd' };

    // Act
    const charge = triggeredCharge(
      `data.object.refunds.data.1=${JSON.stringify(earlier)}`,
      'data.object.amount_refunded=1000',
    );

    // Assess
    expect(charge.refunds?.data.map((refund) => refund.amount)).toEqual([700, 300]);
    expect(charge.refunded).toBe(false);
  });

  it('leaves refunded alone when the amount is not a number, and an object set whole as it was given', () => {
    // Act
    const noAmount = triggeredCharge('data.object.amount=null', 'data.object.amount_refunded=500');
    const whole = triggeredCharge('data.object={"object":"charge","amount":2000,"amount_refunded":500}');

    // Assess
    expect(noAmount.refunded).toBe(true);
    expect(whole).toEqual({ object: 'charge', amount: 2000, amount_refunded: 500 });
  });

  it('applies to buildStripeEvent overrides of data.object too', () => {
    // Act
    const partial = buildStripeEvent('charge.refunded', { object: { amount_refunded: 500 } }).data.object;
    const flagged = buildStripeEvent('charge.refunded', { object: { amount_refunded: 500, refunded: true } }).data
      .object;
    const plain = buildStripeEvent('charge.refunded', { amount: 1500 }).data.object;

    // Assess
    expect(partial).toMatchObject({ amount: 2000, amount_refunded: 500, refunded: false });
    expect(partial.refunds?.data[0]?.amount).toBe(500);
    expect(flagged.refunded).toBe(true);
    expect(plain).toMatchObject({ amount: 1500, amount_refunded: 1500, refunded: true });
  });

  it('leaves other types as overridden', () => {
    // Prepare
    const { event } = buildAnyEvent('invoice.paid');

    // Act
    applyOverrides(event, ['data.object.amount_paid=500']);

    // Assess
    expect((event as unknown as Stripe.InvoicePaidEvent).data.object).toMatchObject({
      amount_paid: 500,
      total: 2000,
    });
  });
});

describe('renderRefundNotice words the refund from the amounts', () => {
  const base = () => buildStripeEvent('charge.refunded').data.object;

  it.each([
    ['a partial refund still flagged refunded', { amount: 2000, amount_refunded: 500, refunded: true }, 'partial'],
    ['a partial refund', { amount: 2000, amount_refunded: 500, refunded: false }, 'partial'],
    ['a full refund not flagged', { amount: 2000, amount_refunded: 2000, refunded: false }, 'full'],
    ['a full refund', { amount: 2000, amount_refunded: 2000, refunded: true }, 'full'],
    ['more refunded than paid', { amount: 2000, amount_refunded: 2500, refunded: true }, 'full'],
    ['no payment amount, flagged refunded', { amount: undefined, amount_refunded: 500, refunded: true }, 'neutral'],
    ['a payment amount that is not a number', { amount: '20.00', amount_refunded: 500, refunded: true }, 'neutral'],
  ])('%s', (_name, fields, wording) => {
    // Prepare
    const charge = { ...base(), ...fields } as unknown as Stripe.Charge;

    // Act
    const email = renderRefundNotice(charge);

    // Assess
    const lead = {
      full: 'We have refunded your payment of $20.00 in full.',
      partial: 'We have refunded $5.00 of your payment of $20.00.',
      neutral: 'We have refunded $5.00 of your payment.',
    }[wording as 'full' | 'partial' | 'neutral'];
    expect(email.text).toContain(lead);
    if (wording !== 'full') expect(email.text).not.toContain('in full');
  });

  it.each(['en', 'fr', 'de', 'es', 'ja'])(
    'in %s, writes the same email whatever the refunded flag says',
    (language) => {
      // Prepare
      const built = base();
      const charge = (amount_refunded: number, refunded: boolean) =>
        ({ ...built, amount: 2000, amount_refunded, refunded }) as Stripe.Charge;

      // Act
      const [partialFlagged, partial, full, fullUnflagged] = [
        charge(500, true),
        charge(500, false),
        charge(2000, true),
        charge(2000, false),
      ].map((c) => renderRefundNotice(c, { locale: language }).text);

      // Assess
      expect(partialFlagged).toBe(partial);
      expect(fullUnflagged).toBe(full);
      expect(partial).not.toBe(full);
    },
  );
});

describe('npm run trigger -- charge.refunded --override data.object.amount_refunded=500', () => {
  let server: Server;
  let url: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends a partially refunded charge, and its email says $5.00 of $20.00', async () => {
    // Act
    const result = await runTrigger(
      ['charge.refunded', '--url', url, '--secret', secret, '--override', 'data.object.amount_refunded=500'],
      { out: () => undefined, err: () => undefined, env: {} },
    );

    // Assess
    expect(result.exitCode).toBe(0);
    const event = JSON.parse(bodies.at(-1) ?? '{}') as Stripe.ChargeRefundedEvent;
    expect(event.data.object).toMatchObject({ amount: 2000, amount_refunded: 500, refunded: false });
    expect(event.data.object.refunds?.data[0]?.amount).toBe(500);
    const email = renderRefundNotice(event.data.object);
    expect(email.text).toContain('We have refunded $5.00 of your payment of $20.00.');
    expect(email.text).toContain('Amount refunded: $5.00');
    expect(email.text).not.toContain('in full');
  });
});
