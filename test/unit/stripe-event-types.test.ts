import { readFileSync } from 'node:fs';
import { deriveStripeEventTypes, renderStripeEventTypes, stripeEventTypesPath } from '../../tools/generate-event-types';

describe('events/stripe-event-types.json', () => {
  // Reading stripe's declarations with the checker takes a few seconds.
  jest.setTimeout(60_000);

  it("is what the pinned stripe package's types say (run `npm run events:types` after upgrading stripe)", () => {
    const derived = deriveStripeEventTypes();

    expect(readFileSync(stripeEventTypesPath, 'utf8')).toBe(renderStripeEventTypes(derived));
    expect(derived.snapshot['invoice.paid']).toEqual(['invoice']);
    expect(derived.snapshot['checkout.session.completed']).toEqual(['checkout.session']);
    expect(derived.thin['v1.billing.meter.error_report_triggered']).toBe('billing.meter');
    expect(derived.thin['v2.core.event_destination.ping']).toBe('v2.core.event_destination');
  });
});
