import type Stripe from 'stripe';
import { isThinEventType, splitSubscribedTypes } from '../../config/subscribed-types';
import { EventRegistry } from '../../functions/consumer/event-registry';

type Calls = string[];
const event = (type: string, extra: Partial<Stripe.Event> = {}) => ({
  id: `evt_${type}`,
  type,
  livemode: false,
  ...extra,
});

describe('EventRegistry', () => {
  it('runs exact, prefix and catch-all handlers, in that order, for a matching event', async () => {
    // Prepare
    const registry = new EventRegistry<Calls>()
      .onAny((e, calls) => {
        calls.push(`any:${e.type}`);
      })
      .on('charge.dispute.', (e, calls) => {
        calls.push(`prefix:${e.type}`);
      })
      .on('charge.dispute.created', (e, calls) => {
        calls.push(`exact:${e.data.object.object}`);
      });
    const calls: Calls = [];
    // Act
    const result = await registry.dispatch(
      { ...event('charge.dispute.created'), data: { object: { object: 'dispute' } } } as never,
      calls,
    );
    // Assess
    expect(result).toEqual({ status: 'handled', handlerCount: 3 });
    expect(calls).toEqual(['exact:dispute', 'prefix:charge.dispute.created', 'any:charge.dispute.created']);
  });

  it('acknowledges an event type nobody subscribes to, including types newer than the stripe package', async () => {
    // Prepare
    const registry = new EventRegistry<Calls>().on('invoice.paid', () => undefined);
    // Act
    const unknown = await registry.dispatch(event('v3.brand_new.event'), []);
    const unsubscribed = await registry.dispatch(event('charge.refunded'), []);
    // Assess
    expect(unknown).toEqual({ status: 'unhandled' });
    expect(unsubscribed).toEqual({ status: 'unhandled' });
  });

  it('skips events a filter refuses, before any handler runs', async () => {
    // Prepare
    const calls: Calls = [];
    const registry = new EventRegistry<Calls>()
      .filter((e) => (e.livemode ? 'live event on a test stage' : undefined))
      .on('invoice.paid', (_e, c) => {
        c.push('ran');
      });
    // Act
    const result = await registry.dispatch(event('invoice.paid', { livemode: true }), calls);
    // Assess
    expect(result).toEqual({ status: 'filtered', reason: 'live event on a test stage' });
    expect(calls).toEqual([]);
  });

  it('lists what it subscribes to', () => {
    // Prepare
    const registry = new EventRegistry<Calls>()
      .on('invoice.paid', () => undefined)
      .on('charge.dispute.', () => undefined);
    // Act / Assess
    expect(registry.subscriptions()).toEqual(['invoice.paid', 'charge.dispute.*']);
    expect(registry.handlersFor('charge.dispute.closed')).toHaveLength(1);
    expect(registry.handlersFor('charge.refunded')).toHaveLength(0);
  });

  it('propagates a handler failure to the caller', async () => {
    // Prepare
    const registry = new EventRegistry<Calls>().on('invoice.paid', () => {
      throw new Error('boom');
    });
    // Act / Assess
    await expect(registry.dispatch(event('invoice.paid'), [])).rejects.toThrow('boom');
  });
});

describe('enabled events by destination', () => {
  it('puts thin types on the thin destination only, and * on both', () => {
    expect(
      splitSubscribedTypes(['invoice.paid', 'v1.billing.meter.error_report_triggered', 'charge.*', 'v2.core.*']),
    ).toEqual({
      snapshot: ['invoice.paid', 'charge.*'],
      thin: ['v1.billing.meter.error_report_triggered', 'v2.core.*'],
    });
    expect(splitSubscribedTypes(['*'])).toEqual({ snapshot: ['*'], thin: ['*'] });
    expect(isThinEventType('invoice.paid')).toBe(false);
    expect(isThinEventType('v2.core.event_destination.ping')).toBe(true);
  });
});
