import Stripe from 'stripe';
import eventTypes from '../../events/stripe-event-types.json';
import fixturesFile from '../../events/stripe-fixtures/fixtures.json';
import {
  applyOverrides,
  buildAnyEvent,
  snapshotEventTypes,
  thinEventTypes,
  triggerableEventTypes,
  UnknownTriggerEventTypeError,
} from '../../tools/event-catalogue';
import { signedDelivery } from '../../tools/signed-delivery';
import { supportedEventTypes } from '../../tools/stripe-events';

const secret = 'whsec_catalogue_test_secret';
const stripe = new Stripe('sk_test_not_a_real_key_catalogue');

describe('the event catalogue', () => {
  it('lists every snapshot type Stripe has an example object for, every thin type, and the rich builders', () => {
    const snapshot = eventTypes.snapshot as Record<string, string[]>;
    const withExample = Object.keys(snapshot).filter((type) =>
      (snapshot[type] ?? []).some((name) => name in fixturesFile.resources),
    );
    expect(snapshotEventTypes).toEqual(withExample);
    expect(thinEventTypes).toEqual(Object.keys(eventTypes.thin));
    expect(triggerableEventTypes).toHaveLength(withExample.length + thinEventTypes.length);
    // What is left out is only what Stripe publishes no example of.
    const left = Object.keys(snapshot).filter((type) => !withExample.includes(type));
    expect(left.every((type) => type.startsWith('apps.install.') || type.startsWith('three_d_secure.'))).toBe(true);
    for (const type of [
      ...supportedEventTypes,
      'v1.billing.meter.error_report_triggered',
      'v2.core.event_destination.ping',
    ])
      expect(triggerableEventTypes).toContain(type);
    expect(new Set(triggerableEventTypes).size).toBe(triggerableEventTypes.length);
  });

  it.each(snapshotEventTypes)('builds a signed %s snapshot event around the object its type carries', (type) => {
    const { kind, event } = buildAnyEvent(type);
    const delivery = signedDelivery(event, { secret });

    const verified = Stripe.webhooks.constructEvent(delivery.body, delivery.signature, secret);

    expect(kind).toBe('snapshot');
    expect(verified).toMatchObject({ id: event.id, type, object: 'event', livemode: false });
    expect(verified.id).toMatch(/^evt_test_/);
    const object = verified.data.object as { object?: string; id?: string };
    expect((eventTypes.snapshot as Record<string, string[]>)[type]).toContain(object.object);
    if (object.id !== undefined) expect(object.id).toMatch(/_test_/);
  });

  it.each(thinEventTypes)('builds a signed %s thin event that the stripe package parses', (type) => {
    const { kind, event } = buildAnyEvent(type);
    const delivery = signedDelivery(event, { secret });

    const parsed = stripe.parseEventNotification(delivery.body, delivery.signature, secret);

    expect(kind).toBe('thin');
    expect(parsed).toMatchObject({ id: event.id, type, object: 'v2.core.event' });
    const related = (eventTypes.thin as Record<string, string | null>)[type];
    expect((parsed as { related_object?: { type: string } }).related_object?.type ?? null).toBe(related);
  });

  it('refuses a type it cannot build, naming the --list command', () => {
    expect(() => buildAnyEvent('plan.exploded')).toThrow(UnknownTriggerEventTypeError);
    expect(() => buildAnyEvent('plan.exploded')).toThrow(/Similar: plan\.created.*--list/);
  });

  it('sets any field with path=value, reading JSON values and creating missing objects', () => {
    const { event } = buildAnyEvent('invoice.paid');

    applyOverrides(event, [
      'data.object.amount_paid=1500',
      'data.object.lines.data.0.currency=eur',
      'data.object.metadata.order={"n":1}',
      'livemode=true',
      'data.object.new_field.nested=text',
    ]);

    expect(event).toMatchObject({
      livemode: true,
      data: {
        object: {
          amount_paid: 1500,
          lines: { data: [{ currency: 'eur' }] },
          metadata: { order: { n: 1 } },
          new_field: { nested: 'text' },
        },
      },
    });
  });

  it.each(['noequals', '=1', 'a..b=1', '__proto__.x=1', 'data.object.lines.data.first=1'])(
    'refuses the override %j with a message that shows the form',
    (override) => {
      const { event } = buildAnyEvent('invoice.paid');
      expect(() => applyOverrides(event, [override])).toThrow(/must be/);
    },
  );
});
