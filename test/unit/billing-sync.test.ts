import type Stripe from 'stripe';
import { createBillingStateService } from '../../functions/billing-state/billing-state-service';
import { inMemoryBillingStateStore } from '../../functions/billing-state/billing-state-store';
import { builtInBillingSync, customerIdOfEvent } from '../../functions/billing-state/billing-sync-handlers';
import { type SyncRequest, syncCustomer } from '../../functions/billing-state/sync-customer';
import { MalformedSyncRequestError, parseSyncRequest, syncDelayFor } from '../../functions/billing-state/sync-queue';
import { type ConsumerDependencies, consumeEvent } from '../../functions/consumer/consume-event';
import { buildRegistry } from '../../functions/consumer/define-subscriptions';
import type { StripeBillingApi } from '../../functions/shared/stripe-api/billing';
import {
  StripeApiError,
  StripeObjectNotFoundError,
  type StripeRequestScope,
} from '../../functions/shared/stripe-api/port';
import { InMemoryIdempotencyStore, RecordingLogger, RecordingMailer } from '../../tools/testing/consumer-fakes';

type Truth = { status: string; entitlements: string[]; deleted?: boolean };

/** A Stripe API whose answers a test sets, counting calls, each call optionally held until released. */
function fakeStripe(initial: Truth = { status: 'active', entitlements: ['sso'] }) {
  let truth = initial;
  const calls: Array<{ what: string; customerId: string; scope?: StripeRequestScope }> = [];
  const held = new Map<string, Promise<void>>();
  const answer = async <T>(what: string, customerId: string, scope: StripeRequestScope | undefined, value: () => T) => {
    calls.push({ what, customerId, ...(scope === undefined ? {} : { scope }) });
    // Read the truth when called (what Stripe says at that moment), answer when released.
    const result = value();
    const hold = held.get(what);
    held.delete(what);
    if (hold !== undefined) await hold;
    return result;
  };
  const api: StripeBillingApi = {
    retrieveCustomer: (id, scope) =>
      answer('customer', id, scope, () =>
        truth.deleted
          ? ({ id, object: 'customer', deleted: true } as Stripe.DeletedCustomer)
          : ({ id, object: 'customer', email: `${id}@example.com`, name: 'Jenny' } as Stripe.Customer),
      ),
    listSubscriptions: (id, scope) =>
      answer('subscriptions', id, scope, () => [
        { id: 'sub_1', status: truth.status, items: { data: [] } } as unknown as Stripe.Subscription,
      ]),
    listActiveEntitlements: (id, scope) =>
      answer('entitlements', id, scope, () =>
        truth.entitlements.map(
          (key, index) =>
            ({
              id: `ent_${index}`,
              object: 'entitlements.active_entitlement',
              feature: `feat_${key}`,
              livemode: false,
              lookup_key: key,
            }) as Stripe.Entitlements.ActiveEntitlement,
        ),
      ),
    listCustomers: async () => ({ data: [], hasMore: false }),
  };
  return {
    api,
    calls,
    set: (next: Truth) => {
      truth = next;
    },
    /** Holds the answer to the next call of this kind (its value read when called) until the returned function is called. */
    holdNext: (what: string) => {
      let release: () => void = () => undefined;
      held.set(
        what,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return () => release();
    },
  };
}

function setup(initial?: Truth) {
  const stripe = fakeStripe(initial);
  const store = inMemoryBillingStateStore();
  const counted: string[] = [];
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const deps = {
    store,
    stripe: stripe.api,
    now: () => new Date(clock),
    logger: new RecordingLogger(),
    metrics: { count: (name: string) => counted.push(name) },
  };
  return {
    stripe,
    store,
    counted,
    deps,
    advance: (ms: number) => {
      clock += ms;
    },
    nowSeconds: () => Math.floor(clock / 1000),
  };
}

const request = (overrides: Partial<SyncRequest> = {}): SyncRequest => ({
  customerId: 'cus_1',
  account: null,
  eventId: 'evt_1',
  ...overrides,
});

describe('syncCustomer', () => {
  it('stores what the API says now, whatever the event said', async () => {
    // Prepare
    const { deps, store } = setup({ status: 'active', entitlements: ['sso', 'audit_log'] });
    // Act
    const outcome = await syncCustomer(request(), deps);
    // Assess
    expect(outcome).toMatchObject({ status: 'synced', changed: true });
    expect((await store.get('cus_1', null))?.state).toMatchObject({
      access: true,
      subscriptions: [{ id: 'sub_1', status: 'active' }],
      entitlements: [{ lookupKey: 'sso' }, { lookupKey: 'audit_log' }],
      sourceEventId: 'evt_1',
      syncedAt: '2026-12-01T10:00:00.000Z',
    });
  });

  it('never goes backwards: of two racing syncs, the older fetch finishing last is dropped', async () => {
    // Prepare: the first sync reads "past_due", its last answer held; the second starts later and reads "canceled".
    const { deps, stripe, store, counted, advance } = setup({ status: 'past_due', entitlements: [] });
    const release = stripe.holdNext('entitlements');
    const older = syncCustomer(request({ eventId: 'evt_older' }), deps);
    while (!stripe.calls.some((call) => call.what === 'entitlements'))
      await new Promise((resolve) => setImmediate(resolve));
    stripe.set({ status: 'canceled', entitlements: [] });
    advance(1_000);
    const newer = await syncCustomer(request({ eventId: 'evt_newer' }), deps);
    release();
    // Act: the older one finishes last.
    const olderOutcome = await older;
    // Assess
    expect(newer.status).toBe('synced');
    expect(olderOutcome.status).toBe('superseded');
    expect((await store.get('cus_1', null))?.state).toMatchObject({
      sourceEventId: 'evt_newer',
      subscriptions: [{ status: 'canceled' }],
      access: false,
    });
    expect(counted).toContain('BillingSyncSuperseded');
  });

  it('makes no call when the stored state was fetched after the event (plus the margin)', async () => {
    // Prepare
    const { deps, stripe, advance, nowSeconds, counted } = setup();
    const created = nowSeconds();
    advance(2_000);
    await syncCustomer(request(), deps);
    const callsAfterFirst = stripe.calls.length;
    // Act: an event created 2 s before that sync started is covered; one created 1 s before is not.
    const covered = await syncCustomer(request({ eventId: 'evt_2', eventCreated: created }), deps);
    advance(1);
    const notCovered = await syncCustomer(request({ eventId: 'evt_3', eventCreated: created + 1 }), deps);
    // Assess
    expect(covered.status).toBe('fresh');
    expect(notCovered.status).toBe('synced');
    expect(stripe.calls.length).toBe(callsAfterFirst * 2);
    expect(counted.filter((name) => name === 'BillingSyncFresh')).toHaveLength(1);
  });

  it('stores a customer Stripe does not know as deleted, without listing its subscriptions', async () => {
    // Prepare
    const { deps, store, stripe } = setup();
    stripe.api.retrieveCustomer = async () => {
      throw new StripeObjectNotFoundError("No such customer: 'cus_1'");
    };
    // Act
    const outcome = await syncCustomer(request(), deps);
    // Assess
    expect(outcome.status).toBe('synced');
    expect((await store.get('cus_1', null))?.state).toMatchObject({ deleted: true, access: false, subscriptions: [] });
    expect(stripe.calls.filter((call) => call.what === 'subscriptions')).toHaveLength(0);
  });

  it('writes nothing when a list call fails after its retries, and rethrows so the request is retried', async () => {
    // Prepare
    const { deps, store, stripe } = setup();
    await syncCustomer(request({ eventId: 'evt_before' }), deps);
    stripe.set({ status: 'canceled', entitlements: [] });
    stripe.api.listActiveEntitlements = async () => {
      throw new StripeApiError('Stripe answered 429 invalid_request_error/rate_limit ...', { status: 429 });
    };
    // Act
    const failed = syncCustomer(request({ eventId: 'evt_after' }), deps);
    // Assess
    await expect(failed).rejects.toBeInstanceOf(StripeApiError);
    expect((await store.get('cus_1', null))?.state).toMatchObject({ sourceEventId: 'evt_before', access: true });
  });

  it('calls Stripe as the connected account and keys the state by it', async () => {
    // Prepare
    const { deps, store, stripe } = setup();
    // Act
    await syncCustomer(request({ account: 'acct_1' }), deps);
    // Assess
    expect(stripe.calls.map((call) => call.scope?.account)).toEqual(['acct_1', 'acct_1', 'acct_1']);
    expect(await store.get('cus_1', null)).toBeUndefined();
    expect((await store.get('cus_1', 'acct_1'))?.state.account).toBe('acct_1');
  });
});

describe('sync requests', () => {
  it('wait until the event is the default delay old, and not at all for an older event', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const seconds = now / 1000;
    expect(syncDelayFor(seconds, now, 5)).toBe(5);
    expect(syncDelayFor(seconds - 2, now, 5)).toBe(3);
    expect(syncDelayFor(seconds - 60, now, 5)).toBe(0);
    expect(syncDelayFor(seconds + 30, now, 5)).toBe(5);
    expect(syncDelayFor(undefined, now, 5)).toBe(0);
  });

  it('round-trip as JSON, and a malformed one says what it expected', () => {
    const sent = request({ account: 'acct_1', eventCreated: 1_700_000_000 });
    expect(parseSyncRequest(JSON.stringify(sent))).toEqual(sent);
    expect(parseSyncRequest('{"customerId":"cus_1"}')).toEqual({ customerId: 'cus_1', account: null, eventId: null });
    for (const body of ['nope', '[]', '{"customerId":"cus 1"}', '{"customerId":"cus_1","eventCreated":"yesterday"}']) {
      expect(() => parseSyncRequest(body)).toThrow(MalformedSyncRequestError);
    }
    expect(() => parseSyncRequest('{}')).toThrow(/expected JSON like \{"customerId":"cus_\.\.\."/);
  });
});

describe('the built-in billing handlers', () => {
  it.each([
    ['customer.created', { object: 'customer', id: 'cus_A' }, 'cus_A'],
    ['customer.deleted', { object: 'customer', id: 'cus_A', deleted: true }, 'cus_A'],
    ['customer.subscription.updated', { object: 'subscription', id: 'sub_1', customer: 'cus_A' }, 'cus_A'],
    ['invoice.paid', { object: 'invoice', customer: { id: 'cus_A', object: 'customer' } }, 'cus_A'],
    ['entitlements.active_entitlement_summary.updated', { customer: 'cus_A', entitlements: { data: [] } }, 'cus_A'],
    ['checkout.session.completed', { object: 'checkout.session', customer: null }, undefined],
    ['invoice.paid', { object: 'invoice' }, undefined],
    ['customer.subscription.updated', { object: 'subscription', customer: 'not-an-id' }, undefined],
  ])('%s with %j names customer %s', (type, object, expected) => {
    expect(customerIdOfEvent({ type, data: { object } })).toBe(expected);
    expect(customerIdOfEvent({ type })).toBeUndefined();
  });

  function consumer(initial?: Truth) {
    const sync = setup(initial);
    const queued: SyncRequest[] = [];
    const billingState = createBillingStateService({
      ...sync.deps,
      queue: { request: async (sent) => void queued.push(sent) },
    });
    const deps: ConsumerDependencies = {
      registry: buildRegistry(builtInBillingSync()),
      store: new InMemoryIdempotencyStore(),
      mailer: new RecordingMailer(),
      logger: new RecordingLogger(),
      now: sync.deps.now,
      inProgressExpirySeconds: 60,
      retentionDays: 30,
      metrics: sync.deps.metrics,
      billingState,
    };
    return { ...sync, queued, deps, billingState };
  }

  const event = (type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: `evt_${Math.random().toString(36).slice(2)}`,
      object: 'event',
      type,
      created: 1_764_583_200,
      data: { object },
      ...extra,
    });

  it('queue a sync of the customer, from the event only its id, account and time', async () => {
    // Prepare
    const { deps, queued, stripe } = consumer();
    // Act
    const outcome = await consumeEvent(
      event(
        'customer.subscription.updated',
        { object: 'subscription', id: 'sub_1', customer: 'cus_A', status: 'incomplete' },
        { account: 'acct_1' },
      ),
      deps,
    );
    // Assess
    expect(outcome.status).toBe('processed');
    expect(queued).toEqual([
      { customerId: 'cus_A', account: 'acct_1', eventId: expect.stringMatching(/^evt_/), eventCreated: 1_764_583_200 },
    ]);
    expect(stripe.calls).toHaveLength(0);
  });

  it('skip, logged and counted, an event that names no customer', async () => {
    // Prepare
    const { deps, queued, counted } = consumer();
    // Act
    const outcome = await consumeEvent(
      event('checkout.session.completed', { object: 'checkout.session', customer: null }),
      deps,
    );
    // Assess
    expect(outcome.status).toBe('processed');
    expect(queued).toHaveLength(0);
    expect(counted).toContain('BillingSyncNoCustomer');
  });

  it('queue nothing for a replayed event older than the stored state', async () => {
    // Prepare
    const { deps, queued, billingState } = consumer();
    await billingState.syncCustomer('cus_A');
    // Act
    await consumeEvent(event('invoice.paid', { object: 'invoice', customer: 'cus_A' }), deps);
    // Assess
    expect(queued).toHaveLength(0);
  });

  it('give handlers ctx.billingState scoped to the event account', async () => {
    // Prepare
    const { deps, billingState, stripe } = consumer();
    await billingState.syncCustomer('cus_A', { account: 'acct_1' });
    const seen: unknown[] = [];
    deps.registry.on('invoice.paid', async (_event, ctx) => {
      const state = await ctx.billingState.getCustomer('cus_A');
      seen.push(ctx.billingState.hasAccess(state), ctx.billingState.hasEntitlement(state, 'sso'));
    });
    // Act
    await consumeEvent(event('invoice.paid', { object: 'invoice', customer: 'cus_A' }, { account: 'acct_1' }), deps);
    // Assess
    expect(seen).toEqual([true, true]);
    expect(stripe.calls.every((call) => call.scope?.account === 'acct_1')).toBe(true);
  });

  it('are switched off one type at a time', () => {
    expect(buildRegistry(builtInBillingSync({ off: ['invoice.paid'] })).handlersFor('invoice.paid')).toHaveLength(0);
    expect(buildRegistry(builtInBillingSync()).handlersFor('customer.subscription.paused')).toHaveLength(1);
  });
});
