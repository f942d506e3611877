import type Stripe from 'stripe';
import stripeEventTypes from '../../events/stripe-event-types.json';
import fixturesFile from '../../events/stripe-fixtures/fixtures.json';
import {
  accessFromSubscriptions,
  type BillingState,
  billingStateKey,
  hasAccess,
  hasEntitlement,
  subscriptionGivesAccess,
} from '../../functions/billing-state/billing-state';
import { readBillingStateConfig } from '../../functions/billing-state/billing-state-config';
import { inMemoryBillingStateStore } from '../../functions/billing-state/billing-state-store';
import {
  billingSyncSubscribedTypes,
  enabledBillingSyncTypes,
  UnknownBillingSyncTypeError,
} from '../../functions/billing-state/billing-sync-types';
import { billingStateOf, type FetchedCustomer } from '../../functions/billing-state/state-mapping';

const fixtures = (fixturesFile as unknown as { resources: Record<string, Record<string, unknown>> }).resources;

/** Stripe's example subscription (MIT, vendored in events/stripe-fixtures) with the fields a test sets. */
function subscription(overrides: Record<string, unknown> = {}): Stripe.Subscription {
  return { ...structuredClone(fixtures.subscription), ...overrides } as unknown as Stripe.Subscription;
}

function customer(overrides: Record<string, unknown> = {}): Stripe.Customer {
  return {
    ...structuredClone(fixtures.customer),
    id: 'cus_1',
    email: 'jenny@example.com',
    ...overrides,
  } as unknown as Stripe.Customer;
}

const context = {
  customerId: 'cus_1',
  account: null,
  syncedAt: new Date('2026-12-01T10:00:00Z'),
  sourceEventId: 'evt_1',
};

describe('access policy', () => {
  it.each([
    ['active', true],
    ['trialing', true],
    ['past_due', true],
    ['incomplete', false],
    ['incomplete_expired', false],
    ['unpaid', false],
    ['canceled', false],
    ['paused', false],
    ['a_status_from_the_future', false],
  ])('%s gives access: %s', (status, expected) => {
    expect(subscriptionGivesAccess(status)).toBe(expected);
  });

  it('past_due gives no access with pastDueAccess: false', () => {
    expect(subscriptionGivesAccess('past_due', { pastDueAccess: false })).toBe(false);
    expect(accessFromSubscriptions([{ status: 'canceled' }, { status: 'past_due' }], { pastDueAccess: false })).toBe(
      false,
    );
    expect(accessFromSubscriptions([{ status: 'canceled' }, { status: 'past_due' }])).toBe(true);
  });

  it('hasAccess and hasEntitlement are false for no state and for a deleted customer', () => {
    // Prepare
    const state = billingStateOf(
      {
        customer: customer(),
        subscriptions: [subscription({ status: 'active' })],
        entitlements: [
          {
            id: 'ent_1',
            object: 'entitlements.active_entitlement',
            feature: 'feat_1',
            livemode: false,
            lookup_key: 'sso',
          },
        ],
      },
      context,
    );
    const deleted: BillingState = { ...state, deleted: true };
    // Assess
    expect(hasAccess(state)).toBe(true);
    expect(hasEntitlement(state, 'sso')).toBe(true);
    expect(hasEntitlement(state, 'audit_log')).toBe(false);
    expect(hasAccess(null)).toBe(false);
    expect(hasEntitlement(undefined, 'sso')).toBe(false);
    expect(hasAccess(deleted)).toBe(false);
    expect(hasEntitlement(deleted, 'sso')).toBe(false);
  });
});

describe('billingStateOf', () => {
  it('maps the customer, every subscription with its items, and the entitlements', () => {
    // Prepare
    const fetched: FetchedCustomer = {
      customer: customer({
        name: 'Jenny Rosen',
        invoice_settings: {
          default_payment_method: { id: 'pm_1', object: 'payment_method', card: { brand: 'visa', last4: '4242' } },
        },
      }),
      subscriptions: [
        subscription({ id: 'sub_new', status: 'active', cancel_at_period_end: true, trial_end: null }),
        subscription({ id: 'sub_old', status: 'canceled', cancel_at_period_end: false }),
      ],
      entitlements: [
        {
          id: 'ent_1',
          object: 'entitlements.active_entitlement',
          feature: 'feat_1',
          livemode: false,
          lookup_key: 'sso',
        },
        {
          id: 'ent_2',
          object: 'entitlements.active_entitlement',
          feature: { id: 'feat_2' } as Stripe.Entitlements.Feature,
          livemode: false,
          lookup_key: 'audit_log',
        },
      ],
    };
    // Act
    const state = billingStateOf(fetched, context);
    // Assess
    expect(state).toMatchObject({
      customerId: 'cus_1',
      account: null,
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      deleted: false,
      access: true,
      defaultPaymentMethod: { brand: 'visa', last4: '4242' },
      syncedAt: '2026-12-01T10:00:00.000Z',
      sourceEventId: 'evt_1',
      entitlements: [
        { featureId: 'feat_1', lookupKey: 'sso' },
        { featureId: 'feat_2', lookupKey: 'audit_log' },
      ],
    });
    expect(state.subscriptions.map((s) => [s.id, s.status, s.cancelAtPeriodEnd])).toEqual([
      ['sub_new', 'active', true],
      ['sub_old', 'canceled', false],
    ]);
    expect(state.subscriptions[0]?.items).toEqual([
      { priceId: 'price_1PgafmB7WZ01zgkW6dKueIc5', lookupKey: null, productId: 'prod_QXg1hqf4jFNsqG', quantity: 1 },
    ]);
  });

  it('takes the period end from the subscription before API 2025-03-31 and from its latest item after', () => {
    // Prepare: basil moved current_period_end from the subscription to each item.
    const items = (ends: number[]) => ({
      object: 'list',
      data: ends.map((end, index) => ({ id: `si_${index}`, current_period_end: end, price: { id: `price_${index}` } })),
    });
    const old = subscription({ current_period_end: 1_767_225_600, items: items([]) });
    const basil = subscription({ current_period_end: undefined, items: items([1_767_225_600, 1_769_904_000]) });
    // Act
    const [oldState, basilState] = [old, basil].map(
      (sub) =>
        billingStateOf({ customer: customer(), subscriptions: [sub], entitlements: [] }, context).subscriptions[0],
    );
    // Assess
    expect(oldState?.currentPeriodEnd).toBe('2026-01-01T00:00:00.000Z');
    expect(basilState?.currentPeriodEnd).toBe('2026-02-01T00:00:00.000Z');
  });

  it('leaves out what the API did not send instead of failing', () => {
    // Prepare: a subscription with nearly nothing, an item without a price, an entitlement without a lookup key.
    const fetched = {
      customer: { id: 'cus_1', object: 'customer' },
      subscriptions: [{ id: 'sub_1', items: { data: [{ id: 'si_1' }, null] } }, { status: 'active' }, null],
      entitlements: [{ id: 'ent_1', feature: 'feat_1' }, 'junk'],
    } as unknown as FetchedCustomer;
    // Act
    const state = billingStateOf(fetched, context);
    // Assess
    expect(state).toMatchObject({
      email: null,
      name: null,
      defaultPaymentMethod: null,
      access: false,
      entitlements: [],
    });
    expect(state.subscriptions).toEqual([
      {
        id: 'sub_1',
        status: 'unknown',
        cancelAtPeriodEnd: false,
        currentPeriodEnd: null,
        trialEnd: null,
        items: [{ priceId: null, lookupKey: null, productId: null, quantity: null }],
      },
    ]);
  });

  it('stores a deleted or unknown customer as deleted, with no access', () => {
    // Act
    const deleted = billingStateOf(
      {
        customer: { id: 'cus_1', object: 'customer', deleted: true },
        subscriptions: [subscription({ status: 'active' })],
        entitlements: [],
      },
      context,
    );
    const unknown = billingStateOf({ customer: null, subscriptions: [], entitlements: [] }, context);
    // Assess
    for (const state of [deleted, unknown]) {
      expect(state).toMatchObject({ deleted: true, access: false, subscriptions: [], entitlements: [], email: null });
    }
  });

  it('shows the card of an older integration whose default is a card source', () => {
    // Act
    const state = billingStateOf(
      {
        customer: customer({ default_source: { id: 'card_1', object: 'card', brand: 'amex', last4: '0005' } }),
        subscriptions: [],
        entitlements: [],
      },
      context,
    );
    // Assess
    expect(state.defaultPaymentMethod).toEqual({ brand: 'amex', last4: '0005' });
  });
});

describe('billing sync types', () => {
  it('listens to every type the issue names, every customer.subscription.* type of the stripe package by name', () => {
    // Prepare
    const known = Object.keys(stripeEventTypes.snapshot).filter((type) => type.startsWith('customer.subscription.'));
    // Assess
    expect(known.length).toBeGreaterThanOrEqual(8);
    expect(billingSyncSubscribedTypes()).toEqual(expect.arrayContaining(known));
    expect(billingSyncSubscribedTypes()).toEqual(
      expect.arrayContaining([
        'customer.created',
        'customer.updated',
        'customer.deleted',
        'checkout.session.completed',
        'checkout.session.async_payment_succeeded',
        'checkout.session.async_payment_failed',
        'invoice.paid',
        'invoice.payment_succeeded',
        'invoice.payment_failed',
        'invoice.payment_action_required',
        'invoice.marked_uncollectible',
        'entitlements.active_entitlement_summary.updated',
      ]),
    );
    expect(billingSyncSubscribedTypes().some((type) => type.includes('*'))).toBe(false);
  });

  it('switches types off, and refuses one it does not know', () => {
    expect(enabledBillingSyncTypes(['invoice.payment_succeeded'])).not.toContain('invoice.payment_succeeded');
    expect(() => enabledBillingSyncTypes(['invoice.upcoming'])).toThrow(UnknownBillingSyncTypeError);
    expect(() => enabledBillingSyncTypes(['invoice.upcoming'])).toThrow(
      /"invoice\.upcoming" is not an event type the billing sync listens to/,
    );
  });
});

describe('readBillingStateConfig', () => {
  it('is off without a table, and reads every setting with its default', () => {
    expect(readBillingStateConfig({})).toBeUndefined();
    expect(readBillingStateConfig({ BILLING_STATE_TABLE_NAME: 'billing' })).toEqual({
      tableName: 'billing',
      syncQueueUrl: undefined,
      delaySeconds: 5,
      pastDueAccess: true,
      offTypes: [],
    });
    expect(
      readBillingStateConfig({
        BILLING_STATE_TABLE_NAME: 'billing',
        BILLING_SYNC_QUEUE_URL: 'http://localhost/queue',
        BILLING_SYNC_DELAY_SECONDS: '0',
        BILLING_STATE_PAST_DUE_ACCESS: 'false',
        BILLING_SYNC_OFF_TYPES: 'invoice.paid, customer.updated',
      }),
    ).toEqual({
      tableName: 'billing',
      syncQueueUrl: 'http://localhost/queue',
      delaySeconds: 0,
      pastDueAccess: false,
      offTypes: ['invoice.paid', 'customer.updated'],
    });
  });

  it.each([
    [{ BILLING_STATE_PAST_DUE_ACCESS: 'no' }, /BILLING_STATE_PAST_DUE_ACCESS is "no", but it must be true or false/],
    [{ BILLING_SYNC_DELAY_SECONDS: '901' }, /BILLING_SYNC_DELAY_SECONDS is "901".*from 0 to 900/],
    [{ BILLING_SYNC_OFF_TYPES: 'charge.refunded' }, /BILLING_SYNC_OFF_TYPES is "charge.refunded"/],
  ])('refuses %j, saying what it must be', (env, message) => {
    expect(() => readBillingStateConfig({ BILLING_STATE_TABLE_NAME: 'billing', ...env })).toThrow(message);
  });
});

describe('inMemoryBillingStateStore', () => {
  it('keys states by account and customer, and never writes over a later sync', async () => {
    // Prepare
    const store = inMemoryBillingStateStore();
    const state = billingStateOf({ customer: customer(), subscriptions: [], entitlements: [] }, context);
    // Act
    const first = await store.put(state, 2_000);
    const older = await store.put({ ...state, email: 'old@example.com' }, 1_000);
    const same = await store.put({ ...state, email: 'same@example.com' }, 2_000);
    const connect = await store.put({ ...state, account: 'acct_1' }, 500);
    // Assess
    expect([first, older, same, connect]).toEqual(['written', 'superseded', 'superseded', 'written']);
    expect((await store.get('cus_1', null))?.state.email).toBe('jenny@example.com');
    expect((await store.get('cus_1', 'acct_1'))?.syncedAtMs).toBe(500);
    expect([...store.items.keys()].sort()).toEqual([
      billingStateKey('cus_1', 'acct_1'),
      billingStateKey('cus_1', null),
    ]);
  });
});
