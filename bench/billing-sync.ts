/**
 * `npm run bench:billing`: Stripe API calls per event of the billing state sync, for the events one
 * subscription checkout produces (a burst), the same events replayed a day later, and one event alone,
 * against a baseline that syncs on every event. Everything real but the queue's clock: the fake Stripe
 * API over HTTP (its request log counts the calls), the `stripe` client through
 * `createStripeBillingApi`, the consumer core (`consumeEvent`) with the built-in billing handlers, and
 * `createBillingStateService` over the in-memory store. The sync queue is simulated: each request is
 * delivered `syncDelayFor(...)` seconds later on a simulated clock (as SQS's DelaySeconds would), so
 * the benchmark takes a second, not the burst's real five.
 *
 * Arrival is modelled as Stripe delivers: each event 0.3 to 1.5 s after its `created`, in shuffled order.
 */

import type Stripe from 'stripe';
import { type BillingState, billingStateKey } from '../functions/billing-state/billing-state';
import { type BillingStateAccess, createBillingStateService } from '../functions/billing-state/billing-state-service';
import { inMemoryBillingStateStore } from '../functions/billing-state/billing-state-store';
import { builtInBillingSync } from '../functions/billing-state/billing-sync-handlers';
import type { SyncRequest } from '../functions/billing-state/sync-customer';
import {
  type BillingSyncQueue,
  defaultSyncDelaySeconds,
  parseSyncRequest,
  syncDelayFor,
} from '../functions/billing-state/sync-queue';
import { type ConsumerDependencies, consumeEvent } from '../functions/consumer/consume-event';
import { buildRegistry } from '../functions/consumer/define-subscriptions';
import type { LoggerPort } from '../functions/shared/logger';
import { createStripeBillingApi } from '../functions/shared/stripe-api/billing';
import { parseCommandLine, runCommand, wantsHelp } from '../tools/cli';
import type { RecordedRequest } from '../tools/fake-stripe/control';
import { type FakeStripeApi, startFakeStripeApi } from '../tools/fake-stripe/server';
import { markdownTable, num, ratio, verdict } from '../tools/measure/format';
import { seededRandom } from '../tools/measure/seeded-random';
import { InMemoryIdempotencyStore, RecordingMailer } from '../tools/testing/consumer-fakes';

const apiKey = 'rk_test_billing_sync_bench';
/** 2027-01-15T10:00:00Z: the checkout's first second. */
const checkoutSecond = 1_800_000_000;
const daySeconds = 86_400;

/** Arrival orders per delay of the delay sweep. */
const sweepOrders = 5;

/** The goal of the issue: the burst costs at most this many subscription lists, the replay none. */
export const burstSubscriptionListGoal = 3;

type Strategy = 'coalesced' | 'baseline';

export interface ScenarioRow {
  readonly scenario: 'burst' | 'replay' | 'single';
  readonly strategy: Strategy;
  /** Events delivered to the consumer (those the billing sync does not listen to included). */
  readonly events: number;
  /** Syncs that called Stripe (a sync request found fresh makes no call and is not counted). */
  readonly syncsRun: number;
  readonly customerRetrieves: number;
  readonly subscriptionLists: number;
  readonly entitlementLists: number;
  readonly calls: number;
  /** Whether the stored state says what the fake Stripe API says after the scenario. */
  readonly stateMatchesApi: boolean;
}

export interface BillingSyncBenchResult {
  readonly rows: readonly ScenarioRow[];
  readonly burstEvents: number;
  /** Of the burst's events, those the billing sync listens to. */
  readonly burstSyncedEvents: number;
  readonly delaySeconds: number;
  /** The coalesced strategy again over other shuffled arrival orders: the worst burst and replay seen. */
  readonly otherOrders: {
    readonly runs: number;
    readonly burstSyncsMax: number;
    readonly burstSubscriptionListsMax: number;
    readonly replayCallsMax: number;
    readonly stateAlwaysMatches: boolean;
  };
  /** The coalesced sync with each delay from 0 to the default, over a few arrival orders: why the default is what it is. */
  readonly delaySweep: readonly {
    readonly delaySeconds: number;
    readonly runs: number;
    readonly burstSyncsMax: number;
    readonly burstCallsMax: number;
    readonly replayCallsMax: number;
    readonly stateAlwaysMatches: boolean;
  }[];
  readonly goalMet: boolean;
}

const silent: LoggerPort = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Actions on a simulated clock, run one at a time in time order (of two at the same time, the first scheduled). */
class SimulatedClock {
  nowMs: number;
  private readonly pending: Array<{ atMs: number; order: number; run: () => Promise<void> }> = [];
  private order = 0;
  constructor(startMs: number) {
    this.nowMs = startMs;
  }
  at(atMs: number, run: () => Promise<void>): void {
    this.pending.push({ atMs: Math.max(atMs, this.nowMs), order: this.order++, run });
  }
  async runAll(): Promise<void> {
    for (;;) {
      this.pending.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
      const next = this.pending.shift();
      if (next === undefined) return;
      this.nowMs = next.atMs;
      await next.run();
    }
  }
}

/** The sync queue as SQS with DelaySeconds: each request's message is delivered that many seconds later, then synced as the sync function does. */
function simulatedDelayQueue(
  clock: SimulatedClock,
  service: () => BillingStateAccess,
  delaySeconds: number,
): BillingSyncQueue {
  return {
    async request(request) {
      const body = JSON.stringify(request);
      const delay = syncDelayFor(request.eventCreated, clock.nowMs, delaySeconds);
      clock.at(clock.nowMs + delay * 1000, async () => {
        // What functions/billing-state/sync-handler.ts does with each message.
        await service().runSync(parseSyncRequest(body));
      });
    },
  };
}

interface TimelineEvent {
  readonly type: string;
  /** Seconds after the checkout's first second. */
  readonly second: number;
  readonly object: Record<string, unknown>;
}

/** What Stripe's objects become during the checkout, at the second they change. */
interface TruthChange {
  readonly second: number;
  readonly apply: (fake: FakeStripeApi) => void;
}

/** The events of one subscription checkout for `customerId`, spread over 3 whole seconds, and what changes in Stripe meanwhile. */
function checkout(customerId: string): { events: TimelineEvent[]; changes: TruthChange[] } {
  const subscriptionId = `sub_${customerId.slice(4)}`;
  const customer = (extra: Record<string, unknown> = {}) => ({
    id: customerId,
    object: 'customer',
    created: checkoutSecond,
    email: `${customerId.toLowerCase()}@example.com`,
    name: 'Bench Customer',
    invoice_settings: { default_payment_method: null },
    ...extra,
  });
  const subscription = (status: string) => ({
    id: subscriptionId,
    object: 'subscription',
    customer: customerId,
    created: checkoutSecond + 1,
    status,
    cancel_at_period_end: false,
    trial_end: null,
    items: {
      object: 'list',
      data: [
        {
          id: `si_${customerId.slice(4)}`,
          object: 'subscription_item',
          quantity: 1,
          current_period_end: checkoutSecond + 30 * daySeconds,
          price: { id: 'price_pro_monthly', object: 'price', lookup_key: 'pro_monthly', product: 'prod_pro' },
        },
      ],
    },
  });
  const of = (object: string, id: string, extra: Record<string, unknown> = {}) => ({
    id,
    object,
    customer: customerId,
    ...extra,
  });
  const suffix = customerId.slice(4);
  return {
    changes: [
      { second: 0, apply: (fake) => fake.setObject(customer()) },
      { second: 1, apply: (fake) => fake.setObject(subscription('incomplete')) },
      {
        second: 2,
        apply: (fake) => {
          fake.setObject(subscription('active'));
          fake.setObject(customer({ invoice_settings: { default_payment_method: `pm_${suffix}` } }));
          fake.setObject({
            id: `ent_${suffix}`,
            object: 'entitlements.active_entitlement',
            customer: customerId,
            feature: 'feat_priority_support',
            livemode: false,
            lookup_key: 'priority_support',
          });
        },
      },
    ],
    events: [
      { type: 'customer.created', second: 0, object: customer() },
      { type: 'customer.updated', second: 0, object: customer() },
      { type: 'customer.subscription.created', second: 1, object: subscription('incomplete') },
      { type: 'invoice.created', second: 1, object: of('invoice', `in_${suffix}`, { status: 'draft' }) },
      { type: 'invoice.finalized', second: 1, object: of('invoice', `in_${suffix}`, { status: 'open' }) },
      { type: 'charge.succeeded', second: 1, object: of('charge', `ch_${suffix}`) },
      { type: 'payment_intent.succeeded', second: 1, object: of('payment_intent', `pi_${suffix}`) },
      { type: 'invoice.paid', second: 1, object: of('invoice', `in_${suffix}`, { status: 'paid' }) },
      { type: 'invoice.payment_succeeded', second: 1, object: of('invoice', `in_${suffix}`, { status: 'paid' }) },
      { type: 'customer.subscription.updated', second: 2, object: subscription('active') },
      {
        type: 'checkout.session.completed',
        second: 2,
        object: of('checkout.session', `cs_${suffix}`, { subscription: subscriptionId, mode: 'subscription' }),
      },
      {
        type: 'entitlements.active_entitlement_summary.updated',
        second: 2,
        object: { object: 'entitlements.active_entitlement_summary', customer: customerId, livemode: false },
      },
    ],
  };
}

function eventBody(event: TimelineEvent, index: number, customerId: string, atSecond: number): string {
  return JSON.stringify({
    id: `evt_${customerId.slice(4)}_${index}`,
    object: 'event',
    api_version: '2026-02-25.clover',
    created: atSecond + event.second,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: event.type,
    data: { object: event.object },
  });
}

/**
 * Schedules each event's delivery 0.3 to 1.5 s after its `created` (plus `lateSeconds`: a replay), so in
 * shuffled order, as Stripe does not deliver in order.
 */
function deliver(
  clock: SimulatedClock,
  events: readonly TimelineEvent[],
  customerId: string,
  timing: { readonly createdSecond: number; readonly lateSeconds: number },
  random: () => number,
  consume: (body: string) => Promise<void>,
): void {
  events.forEach((event, index) => {
    const createdMs = (timing.createdSecond + event.second) * 1000;
    const arrivalMs = createdMs + timing.lateSeconds * 1000 + 300 + Math.round(random() * 1200);
    const body = eventBody(event, index, customerId, timing.createdSecond);
    clock.at(arrivalMs, () => consume(body));
  });
}

interface Counts {
  customerRetrieves: number;
  subscriptionLists: number;
  entitlementLists: number;
}

function countCalls(requests: readonly RecordedRequest[]): Counts {
  return {
    customerRetrieves: requests.filter((r) => r.path.startsWith('/v1/customers/')).length,
    subscriptionLists: requests.filter((r) => r.path === '/v1/subscriptions').length,
    entitlementLists: requests.filter((r) => r.path === '/v1/entitlements/active_entitlements').length,
  };
}

/** What the fake Stripe API says of the customer now, read outside the counted calls. */
async function truthOf(fake: FakeStripeApi, customerId: string) {
  const get = async <T>(path: string): Promise<T> => {
    const answer = await fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
    return (await answer.json()) as T;
  };
  const subscriptions = await get<{ data: Stripe.Subscription[] }>(
    `/v1/subscriptions?customer=${customerId}&status=all`,
  );
  const entitlements = await get<{ data: Stripe.Entitlements.ActiveEntitlement[] }>(
    `/v1/entitlements/active_entitlements?customer=${customerId}`,
  );
  return {
    subscriptions: subscriptions.data
      .map((subscription) => `${subscription.id}:${subscription.status}:${subscription.cancel_at_period_end}`)
      .sort(),
    entitlements: entitlements.data.map((entitlement) => entitlement.lookup_key).sort(),
  };
}

function factsOf(state: BillingState | undefined) {
  return {
    subscriptions: (state?.subscriptions ?? [])
      .map((subscription) => `${subscription.id}:${subscription.status}:${subscription.cancelAtPeriodEnd}`)
      .sort(),
    entitlements: (state?.entitlements ?? []).map((entitlement) => entitlement.lookupKey).sort(),
  };
}

/** One strategy through the three scenarios, for its own customer: burst, replay a day later, one event alone. */
async function runStrategy(
  fake: FakeStripeApi,
  strategy: Strategy,
  customerId: string,
  random: () => number,
  delaySeconds: number,
): Promise<ScenarioRow[]> {
  const clock = new SimulatedClock(checkoutSecond * 1000);
  const now = () => new Date(clock.nowMs);
  const store = inMemoryBillingStateStore();
  // The rate limit changes no count, only the wall time: high, so the benchmark takes seconds.
  const stripe = createStripeBillingApi({ apiKey: async () => apiKey, apiUrl: fake.url, ratePerSecond: 1000 });
  let syncsRun = 0;
  const countingStripe = {
    ...stripe,
    retrieveCustomer: (id: string, scope?: Parameters<typeof stripe.retrieveCustomer>[1]) => {
      syncsRun += 1;
      return stripe.retrieveCustomer(id, scope);
    },
  };
  // The delay queue only where coalescing is measured; the baseline syncs at once, on every event.
  let service: BillingStateAccess;
  const base = {
    store,
    stripe: countingStripe,
    logger: silent,
    metrics: { count: () => undefined },
    now,
  };
  if (strategy === 'coalesced') {
    service = createBillingStateService({
      ...base,
      queue: simulatedDelayQueue(clock, () => service, delaySeconds),
    });
  } else {
    const direct = createBillingStateService(base);
    service = {
      ...direct,
      // No freshness check, no queue: the request without its event time is a forced sync.
      requestSync: async (request: SyncRequest) => {
        await direct.runSync({ customerId: request.customerId, account: request.account, eventId: request.eventId });
        return 'queued';
      },
    };
  }
  const consumerDeps = (): ConsumerDependencies => ({
    registry: buildRegistry(builtInBillingSync()),
    store: new InMemoryIdempotencyStore(),
    mailer: new RecordingMailer(),
    logger: silent,
    now,
    inProgressExpirySeconds: 60,
    retentionDays: 30,
    billingState: service,
  });

  const rows: ScenarioRow[] = [];
  async function scenario(
    name: ScenarioRow['scenario'],
    events: readonly TimelineEvent[],
    timing: { readonly createdSecond: number; readonly lateSeconds: number },
    changes: readonly TruthChange[],
  ): Promise<void> {
    // Every scenario's events are new to the consumer (a fresh idempotency table): the billing state's own
    // guards are what is measured, not the consumer's duplicate check.
    const deps = consumerDeps();
    const logStart = fake.requests().length;
    syncsRun = 0;
    for (const change of changes) {
      clock.at((timing.createdSecond + change.second) * 1000, async () => change.apply(fake));
    }
    deliver(clock, events, customerId, timing, random, async (body) => {
      await consumeEvent(body, deps);
    });
    await clock.runAll();
    const counts = countCalls(fake.requests().slice(logStart));
    const stored = store.items.get(billingStateKey(customerId, null))?.state;
    rows.push({
      scenario: name,
      strategy,
      events: events.length,
      syncsRun,
      ...counts,
      calls: counts.customerRetrieves + counts.subscriptionLists + counts.entitlementLists,
      stateMatchesApi: JSON.stringify(factsOf(stored)) === JSON.stringify(await truthOf(fake, customerId)),
    });
  }

  const { events, changes } = checkout(customerId);
  await scenario('burst', events, { createdSecond: checkoutSecond, lateSeconds: 0 }, changes);
  // The same events (same ids and `created`) delivered again a day later: `npm run stripe:replay`, or
  // Stripe's own retries of deliveries it thinks failed.
  await scenario('replay', events, { createdSecond: checkoutSecond, lateSeconds: daySeconds }, []);
  // An hour after that, one change alone: the customer sets the subscription to cancel at the period's end.
  const cancelling = events.find((event) => event.type === 'customer.subscription.updated');
  const singleAt = checkoutSecond + daySeconds + 3600;
  const single: TimelineEvent = {
    type: 'customer.subscription.updated',
    second: 0,
    object: { ...(cancelling?.object ?? {}), cancel_at_period_end: true },
  };
  await scenario('single', [single], { createdSecond: singleAt, lateSeconds: 0 }, [
    { second: 0, apply: (api) => api.setObject(single.object) },
  ]);
  return rows;
}

/** Runs the three scenarios for the delayed, coalesced sync and for the baseline, against one fake Stripe API. */
export async function measureBillingSync(
  options: {
    /** Seeds the arrival order of the table's run. */
    readonly seed?: number;
    /** How many other arrival orders the coalesced sync is run over (worst case reported). @default 20 */
    readonly otherOrders?: number;
  } = {},
): Promise<BillingSyncBenchResult> {
  const fake = await startFakeStripeApi({ port: 0 });
  try {
    const seed = options.seed ?? 20_270_115;
    const random = seededRandom(seed);
    const delaySeconds = defaultSyncDelaySeconds;
    const ours = await runStrategy(fake, 'coalesced', 'cus_BenchCoalesced', random, delaySeconds);
    const baseline = await runStrategy(fake, 'baseline', 'cus_BenchBaseline', random, delaySeconds);
    const others: ScenarioRow[] = [];
    const runs = options.otherOrders ?? 20;
    for (let run = 1; run <= runs; run++) {
      others.push(
        ...(await runStrategy(fake, 'coalesced', `cus_BenchOrder${run}`, seededRandom(seed + run), delaySeconds)),
      );
    }
    const otherBursts = others.filter((row) => row.scenario === 'burst');
    const otherOrders = {
      runs,
      burstSyncsMax: Math.max(0, ...otherBursts.map((row) => row.syncsRun)),
      burstSubscriptionListsMax: Math.max(0, ...otherBursts.map((row) => row.subscriptionLists)),
      replayCallsMax: Math.max(0, ...others.filter((row) => row.scenario === 'replay').map((row) => row.calls)),
      stateAlwaysMatches: others.every((row) => row.stateMatchesApi),
    };
    const delaySweep: BillingSyncBenchResult['delaySweep'][number][] = [];
    for (let delay = 0; delay <= delaySeconds; delay++) {
      const rows: ScenarioRow[] = [];
      for (let run = 1; run <= sweepOrders; run++) {
        const customerId = `cus_BenchDelay${delay}Order${run}`;
        rows.push(
          ...(await runStrategy(fake, 'coalesced', customerId, seededRandom(seed + 1000 * delay + run), delay)),
        );
      }
      delaySweep.push({
        delaySeconds: delay,
        runs: sweepOrders,
        burstSyncsMax: Math.max(0, ...rows.filter((row) => row.scenario === 'burst').map((row) => row.syncsRun)),
        burstCallsMax: Math.max(0, ...rows.filter((row) => row.scenario === 'burst').map((row) => row.calls)),
        replayCallsMax: Math.max(0, ...rows.filter((row) => row.scenario === 'replay').map((row) => row.calls)),
        stateAlwaysMatches: rows.every((row) => row.stateMatchesApi),
      });
    }
    const burst = ours.find((row) => row.scenario === 'burst');
    const replay = ours.find((row) => row.scenario === 'replay');
    const { events } = checkout('cus_count');
    const syncedTypes = events.filter(
      (event) =>
        !['invoice.created', 'invoice.finalized', 'payment_intent.succeeded', 'charge.succeeded'].includes(event.type),
    );
    return {
      rows: [...ours, ...baseline],
      burstEvents: events.length,
      burstSyncedEvents: syncedTypes.length,
      delaySeconds,
      otherOrders,
      delaySweep,
      goalMet:
        burst !== undefined &&
        replay !== undefined &&
        burst.subscriptionLists <= burstSubscriptionListGoal &&
        replay.calls === 0 &&
        otherOrders.burstSubscriptionListsMax <= burstSubscriptionListGoal &&
        otherOrders.replayCallsMax === 0,
    };
  } finally {
    await fake.close();
  }
}

const scenarioNames: Record<ScenarioRow['scenario'], string> = {
  burst: 'burst: one checkout',
  replay: 'replay a day later',
  single: 'one event alone',
};

export function formatBillingSyncBench(result: BillingSyncBenchResult): string {
  const rowOf = (row: ScenarioRow) => [
    `${scenarioNames[row.scenario]}${row.strategy === 'baseline' ? ' (baseline)' : ''}`,
    String(row.events),
    String(row.syncsRun),
    String(row.customerRetrieves),
    String(row.subscriptionLists),
    String(row.entitlementLists),
    num(row.calls / row.events, 2),
  ];
  const ours = result.rows.filter((row) => row.strategy === 'coalesced');
  const baseline = result.rows.filter((row) => row.strategy === 'baseline');
  const burst = ours.find((row) => row.scenario === 'burst');
  const replay = ours.find((row) => row.scenario === 'replay');
  const ratios = ours.map((row) => {
    const base = baseline.find((candidate) => candidate.scenario === row.scenario);
    const value = base === undefined || base.calls === 0 ? '-' : ratio(row.calls / base.calls);
    return `${scenarioNames[row.scenario]} ${value} (${row.calls} calls vs ${base?.calls ?? '?'})`;
  });
  return [
    `Billing state sync: Stripe API calls per event, ${new Date().toISOString()}, node ${process.version}`,
    'Real: the fake Stripe API over HTTP (calls counted from its request log), createStripeBillingApi, consumeEvent',
    '  with the built-in billing handlers, createBillingStateService over the in-memory store.',
    `Simulated: the sync queue's clock. Each request is delivered syncDelayFor(...) seconds later (delay ${result.delaySeconds} s,`,
    '  the default) on a simulated clock, so the run does not sleep. Events arrive 0.3-1.5 s after their created, shuffled.',
    `A checkout: ${result.burstEvents} events over 3 whole seconds, ${result.burstSyncedEvents} of them types the billing sync listens to.`,
    '',
    markdownTable(
      [
        'scenario',
        'events',
        'syncs run',
        'customer retrieves',
        'subscription lists',
        'entitlement lists',
        'calls/event',
      ],
      [...ours, ...baseline].map(rowOf),
    ),
    '',
    'Baseline: sync on every event, no coalescing (no delay queue, no freshness check), measured in the same run.',
    `Ours/baseline (calls): ${ratios.join('; ')}.`,
    `Over ${result.otherOrders.runs} other shuffled arrival orders: at most ${result.otherOrders.burstSyncsMax} sync(s) and ` +
      `${result.otherOrders.burstSubscriptionListsMax} subscription list(s) per burst, at most ${result.otherOrders.replayCallsMax} calls per replay; ` +
      `state equals the API after each: ${result.otherOrders.stateAlwaysMatches ? 'yes' : 'no'}.`,
    `Goal (burst <= ${burstSubscriptionListGoal} subscription lists, replay 0 calls, in every order): ${verdict(result.goalMet)} ` +
      `(burst ${burst?.subscriptionLists ?? '?'} subscription list${burst?.subscriptionLists === 1 ? '' : 's'}, replay ${replay?.calls ?? '?'} calls).`,
    `State after burst equals the API: ${burst?.stateMatchesApi ? 'yes' : 'no'} (subscriptions with their status and cancel_at_period_end, entitlements)` +
      `; after every scenario, ours: ${ours.every((row) => row.stateMatchesApi) ? 'yes' : 'no'}, baseline: ${baseline.every((row) => row.stateMatchesApi) ? 'yes' : 'no'}.`,
    '',
    `The sync delay (BILLING_SYNC_DELAY_SECONDS), each over ${result.delaySweep[0]?.runs ?? 0} arrival orders (worst seen):`,
    markdownTable(
      ['delay (s)', 'syncs per burst', 'calls per burst', 'calls per replay', 'state equals the API'],
      result.delaySweep.map((row) => [
        `${row.delaySeconds}${row.delaySeconds === result.delaySeconds ? ' (default)' : ''}`,
        String(row.burstSyncsMax),
        String(row.burstCallsMax),
        String(row.replayCallsMax),
        row.stateAlwaysMatches ? 'yes' : 'no',
      ]),
    ),
  ].join('\n');
}

const usage = `Usage: npm run bench:billing

Stripe API calls per event of the billing state sync: the events of one subscription checkout (a burst),
the same replayed a day later, and one event alone, against a baseline that syncs on every event, and a
sweep of the sync delay. In this process, against the fake Stripe API over HTTP, on a simulated queue
clock (a few seconds). Prints markdown to stdout; exits 1 if the goal is missed. Takes no options.

Options:
  -h, --help   show this help`;

async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    console.log(usage);
    return;
  }
  parseCommandLine(argv, { options: {} }, usage);
  const started = performance.now();
  const result = await measureBillingSync();
  console.log(formatBillingSyncBench(result));
  console.log(`(${num((performance.now() - started) / 1000, 1)} s of real time)`);
  if (!result.goalMet) process.exitCode = 1;
}

if (require.main === module) runCommand(main);
