/**
 * Replay's pure core: paging through Stripe's Events API, the 30-day window, what counts as done, and
 * that its Stripe calls go through the port's rate limit and retries. On moto and the fake Stripe API:
 * test/integration/stripe-replay.test.ts.
 */
import type Stripe from 'stripe';
import { messageAttributeNames } from '../../config/contract';
import type { QueuedEvent } from '../../functions/receiver/receive-webhook';
import { replayEvents, ThinReplayUnavailableError } from '../../functions/replay/replay-events';
import { replayEventQueue } from '../../functions/replay/replay-queue';
import { ReplayWindowError, replayWindow } from '../../functions/replay/replay-window';
import {
  createStripeAdminApi,
  type ListEventsQuery,
  type ListedThinEvent,
  type ListThinEventsQuery,
  type StripeAdminClientLike,
} from '../../functions/shared/stripe-api/admin';
import { formatReplaySummary } from '../../tools/stripe-replay';

const now = new Date('2026-12-03T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

/** `count` events, newest first, one minute apart, as Stripe lists them. */
function stripeEvents(count: number, type = 'invoice.paid'): Stripe.Event[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `evt_${String(count - index).padStart(3, '0')}`,
    object: 'event',
    type,
    created: nowSeconds - 60 * (index + 1),
    data: { object: { id: `in_${index}`, object: 'invoice' } },
  })) as unknown as Stripe.Event[];
}

/** An Events API over `events` that pages as Stripe does and records each query. */
function fakeEventsApi(events: Stripe.Event[], pageSize = 100) {
  const queries: ListEventsQuery[] = [];
  return {
    queries,
    async listEvents(query: ListEventsQuery) {
      queries.push(query);
      const matching = events.filter(
        (event) =>
          event.created >= query.createdGte &&
          event.created <= query.createdLte &&
          (query.types === undefined || query.types.includes(event.type)),
      );
      const start = query.startingAfter === undefined ? 0 : matching.findIndex((e) => e.id === query.startingAfter) + 1;
      const size = Math.min(pageSize, query.limit ?? 100);
      return { data: matching.slice(start, start + size), hasMore: start + size < matching.length };
    },
  };
}

function deps(events: Stripe.Event[], done: ReadonlySet<string> = new Set(), pageSize = 100) {
  const queued: QueuedEvent[] = [];
  const stripe = fakeEventsApi(events, pageSize);
  return {
    queued,
    stripe,
    replayDeps: {
      stripe,
      enqueue: async (event: QueuedEvent) => {
        queued.push(event);
      },
      isDone: async (id: string) => done.has(id),
      now: () => now,
    },
  };
}

describe('replayEvents', () => {
  it('pages through every event with starting_after and queues those not done', async () => {
    // Prepare: 250 events, pages of 100; 20 already done.
    const events = stripeEvents(250);
    const done = new Set(events.slice(0, 20).map((event) => event.id));
    const { queued, stripe, replayDeps } = deps(events, done);
    // Act
    const summary = await replayEvents({ since: new Date(now.getTime() - 86_400_000) }, replayDeps);
    // Assess
    expect(summary).toMatchObject({ pages: 3, found: 250, alreadyDone: 20, queued: 230, failed: 0 });
    expect(stripe.queries.map((query) => query.startingAfter)).toEqual([undefined, 'evt_151', 'evt_051']);
    expect(new Set(queued.map((event) => event.eventId)).size).toBe(230);
  });

  it("queues each event in the receiver's shape: the raw JSON body, its id and type, snapshot", async () => {
    const [event] = stripeEvents(1);
    const { queued, replayDeps } = deps(stripeEvents(1));
    await replayEvents({ since: new Date(now.getTime() - 3_600_000) }, replayDeps);
    expect(queued).toEqual([
      {
        body: JSON.stringify(event),
        eventId: 'evt_001',
        eventType: 'invoice.paid',
        payload: 'snapshot',
        receivedAt: now.toISOString(),
      },
    ]);
  });

  it('asks Stripe for the window, the types and delivery_success=false with --undelivered-only', async () => {
    const { stripe, replayDeps } = deps([]);
    await replayEvents(
      {
        since: new Date('2026-12-01T00:00:00Z'),
        until: new Date('2026-12-02T00:00:00Z'),
        types: ['invoice.paid'],
        undeliveredOnly: true,
      },
      replayDeps,
    );
    expect(stripe.queries).toEqual([
      {
        createdGte: Date.parse('2026-12-01T00:00:00Z') / 1000,
        createdLte: Date.parse('2026-12-02T00:00:00Z') / 1000,
        types: ['invoice.paid'],
        deliverySuccess: false,
        limit: 100,
      },
    ]);
  });

  it("lists more than 20 types 20 at a time (Stripe's limit on types[])", async () => {
    const { stripe, replayDeps } = deps([]);
    const types = Array.from({ length: 45 }, (_, index) => `type.t${index}`);
    await replayEvents({ since: new Date(now.getTime() - 3_600_000), types }, replayDeps);
    expect(stripe.queries.map((query) => query.types?.length)).toEqual([20, 20, 5]);
  });

  it('in a dry run checks and counts, and queues nothing', async () => {
    const { queued, replayDeps } = deps(stripeEvents(30), new Set(['evt_001']));
    const summary = await replayEvents({ since: new Date(now.getTime() - 86_400_000), dryRun: true }, replayDeps);
    expect(summary).toMatchObject({ found: 30, alreadyDone: 1, queued: 29, dryRun: true });
    expect(queued).toEqual([]);
    expect(formatReplaySummary(summary)).toMatch(/^Dry run: found 30, already done 1, would queue 29, failed 0/);
  });

  it('counts a failed enqueue, names it, and goes on with the others', async () => {
    const { replayDeps } = deps(stripeEvents(5));
    const summary = await replayEvents(
      { since: new Date(now.getTime() - 86_400_000) },
      {
        ...replayDeps,
        enqueue: async (event: QueuedEvent) => {
          if (event.eventId === 'evt_003') throw new Error('SQS said no');
        },
      },
    );
    expect(summary).toMatchObject({
      found: 5,
      queued: 4,
      failed: 1,
      failures: [{ eventId: 'evt_003', error: 'SQS said no' }],
    });
  });

  it('skips the types no handler subscribes to, as the receiver does', async () => {
    const { queued, replayDeps } = deps([
      ...stripeEvents(2),
      ...stripeEvents(1, 'plan.created').map((e) => ({ ...e, id: 'evt_plan' })),
    ]);
    const summary = await replayEvents(
      { since: new Date(now.getTime() - 86_400_000) },
      { ...replayDeps, isSubscribed: (type) => type === 'invoice.paid' },
    );
    expect(summary).toMatchObject({ found: 3, notSubscribed: 1, queued: 2 });
    expect(queued.map((event) => event.eventType)).toEqual(['invoice.paid', 'invoice.paid']);
  });

  it('reports progress per page, reaching 1', async () => {
    const fractions: number[] = [];
    const { replayDeps } = deps(stripeEvents(300), new Set(), 100);
    await replayEvents(
      { since: new Date(now.getTime() - 300 * 60_000) },
      { ...replayDeps, onProgress: (progress) => fractions.push(progress.fraction) },
    );
    expect(fractions).toHaveLength(3);
    expect(fractions[0]).toBeCloseTo(1 / 3, 1);
    expect(fractions.at(-1)).toBe(1);
  });
});

/** `count` thin events, newest first, one minute apart, as `GET /v2/core/events` lists them (with `data`). */
function thinEvents(count: number, type = 'v1.billing.meter.error_report_triggered'): ListedThinEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `evt_thin_${String(count - index).padStart(3, '0')}`,
    object: 'v2.core.event' as const,
    type,
    created: new Date(now.getTime() - 60_000 * (index + 1)).toISOString(),
    livemode: false,
    related_object: { id: `mtr_${index}`, type: 'billing.meter', url: `/v1/billing/meters/mtr_${index}` },
    data: { developer_message_summary: 'There is 1 invalid event' },
  }));
}

/** API v2's listing over `events`: pages of `pageSize` with an opaque token, and each query recorded. */
function fakeThinEventsApi(events: ListedThinEvent[], pageSize = 20) {
  const queries: ListThinEventsQuery[] = [];
  return {
    queries,
    async listThinEvents(query: ListThinEventsQuery) {
      queries.push(query);
      const matching = events.filter((event) => {
        const seconds = Date.parse(event.created) / 1000;
        return (
          seconds >= query.createdGte &&
          seconds <= query.createdLte &&
          (query.types === undefined || query.types.includes(event.type))
        );
      });
      const start = query.page === undefined ? 0 : Number(query.page.replace('page_', ''));
      const end = start + pageSize;
      return { data: matching.slice(start, end), ...(end < matching.length ? { nextPage: `page_${end}` } : {}) };
    },
  };
}

describe('replayEvents: thin events (API v2)', () => {
  it('lists the thin types from /v2/core/events page by page, and queues each not done as its notification, thin', async () => {
    // Prepare: 45 thin events in pages of 20, 5 already done; and 3 snapshot events
    const thin = thinEvents(45);
    const done = new Set(thin.slice(0, 5).map((event) => event.id));
    const { queued, replayDeps } = deps(stripeEvents(3), done);
    const v2 = fakeThinEventsApi(thin);
    // Act
    const summary = await replayEvents(
      { since: new Date(now.getTime() - 86_400_000), thinTypes: ['v1.billing.meter.error_report_triggered'] },
      { ...replayDeps, stripe: { ...replayDeps.stripe, listThinEvents: v2.listThinEvents } },
    );
    // Assess
    expect(summary).toMatchObject({ pages: 4, found: 48, alreadyDone: 5, queued: 43, failed: 0 });
    expect(v2.queries.map((query) => [query.page, query.types])).toEqual([
      [undefined, ['v1.billing.meter.error_report_triggered']],
      ['page_20', ['v1.billing.meter.error_report_triggered']],
      ['page_40', ['v1.billing.meter.error_report_triggered']],
    ]);
    const firstThin = queued.find((event) => event.payload === 'thin');
    expect(firstThin).toMatchObject({ eventId: 'evt_thin_040', eventType: 'v1.billing.meter.error_report_triggered' });
    const body = JSON.parse(firstThin?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ id: 'evt_thin_040', object: 'v2.core.event', related_object: { id: 'mtr_5' } });
    expect(body).not.toHaveProperty('data');
    expect(queued.filter((event) => event.payload === 'snapshot')).toHaveLength(3);
  });

  it('lists every thin type for a pattern (v2 takes exact types only) and keeps the subscribed ones', async () => {
    // Prepare
    const account = thinEvents(1, 'v2.core.account.updated').map((event) => ({ ...event, id: 'evt_thin_account' }));
    const thin = [...thinEvents(2), ...account];
    const { queued, replayDeps } = deps([]);
    const v2 = fakeThinEventsApi(thin);
    // Act
    const summary = await replayEvents(
      { since: new Date(now.getTime() - 86_400_000), thinTypes: ['v1.billing.meter.*'], snapshots: false },
      {
        ...replayDeps,
        stripe: { ...replayDeps.stripe, listThinEvents: v2.listThinEvents },
        isSubscribed: (type) => type.startsWith('v1.billing.meter.'),
      },
    );
    // Assess
    expect(v2.queries.map((query) => query.types)).toEqual([undefined]);
    expect(summary).toMatchObject({ found: 3, notSubscribed: 1, queued: 2 });
    expect(queued.every((event) => event.payload === 'thin')).toBe(true);
  });

  it('asks for no v2 listing without thin types, and says so when a Stripe port without one is given them', async () => {
    // Prepare
    const { replayDeps } = deps(stripeEvents(1));
    const since = new Date(now.getTime() - 86_400_000);
    // Act + Assess
    await expect(replayEvents({ since }, replayDeps)).resolves.toMatchObject({ found: 1 });
    await expect(
      replayEvents({ since, thinTypes: ['v1.billing.meter.error_report_triggered'] }, replayDeps),
    ).rejects.toThrow(ThinReplayUnavailableError);
  });

  it('asks API v2 for the window as RFC 3339 times, through the same rate limit and retries', async () => {
    // Prepare: the real port over a stub client that records what stripe-node would send
    const sent: Array<Record<string, unknown>> = [];
    const client = {
      v2: {
        core: {
          events: {
            list: async (params: Record<string, unknown>) => {
              sent.push(params);
              return sent.length === 1
                ? { data: thinEvents(1), next_page_url: '/v2/core/events?limit=20&page=token_2' }
                : { data: [], next_page_url: null };
            },
          },
        },
      },
    } as unknown as StripeAdminClientLike;
    const stripe = createStripeAdminApi({
      apiKey: async () => 'rk_test_not_a_real_key',
      createClient: async () => client,
    });
    // Act
    const first = await stripe.listThinEvents({
      createdGte: nowSeconds - 3600,
      createdLte: nowSeconds,
      types: ['x.y'],
    });
    const second = await stripe.listThinEvents({
      createdGte: nowSeconds - 3600,
      createdLte: nowSeconds,
      page: first.nextPage ?? '',
    });
    // Assess
    expect(sent[0]).toEqual({
      created: { gte: '2026-12-03T11:00:00.000Z', lte: '2026-12-03T12:00:00.999Z' },
      limit: 20,
      types: ['x.y'],
    });
    expect(first.nextPage).toBe('token_2');
    expect(sent[1]).toMatchObject({ page: 'token_2' });
    expect(second).toEqual({ data: [] });
  });
});

describe('the 30-day window', () => {
  it('refuses a --since older than 30 days, saying why and what to do', () => {
    expect(() => replayWindow(new Date(now.getTime() - 31 * 86_400_000), undefined, now)).toThrow(ReplayWindowError);
    expect(() => replayWindow(new Date(now.getTime() - 31 * 86_400_000), undefined, now)).toThrow(
      /Stripe lists events for 30 days only.*Use a later --since/,
    );
  });

  it('accepts exactly 30 days, and takes an until in the future as now', () => {
    expect(replayWindow(new Date(now.getTime() - 30 * 86_400_000), new Date(now.getTime() + 3_600_000), now)).toEqual({
      sinceSeconds: nowSeconds - 30 * 86_400,
      untilSeconds: nowSeconds,
    });
  });

  it('refuses a since after the until', () => {
    expect(() => replayWindow(new Date('2026-12-02T00:00:00Z'), new Date('2026-12-01T00:00:00Z'), now)).toThrow(
      /is after --until/,
    );
  });

  it('makes no Stripe call when the window is refused', async () => {
    const { stripe, replayDeps } = deps(stripeEvents(1));
    await expect(replayEvents({ since: new Date('2026-01-01T00:00:00Z') }, replayDeps)).rejects.toThrow(
      ReplayWindowError,
    );
    expect(stripe.queries).toEqual([]);
  });
});

describe('replay through the Stripe port: rate limit and retries', () => {
  function clientAnswering(pages: Array<Stripe.Event[] | Error>) {
    const calls: Array<{ at: number; params: Stripe.EventListParams | undefined }> = [];
    let clock = 0;
    const client = {
      events: {
        list: async (params?: Stripe.EventListParams) => {
          calls.push({ at: clock, params });
          const answer = pages.shift();
          if (answer instanceof Error) throw answer;
          return { object: 'list', data: answer ?? [], has_more: pages.length > 0, url: '/v1/events' };
        },
      },
    } as unknown as StripeAdminClientLike;
    return {
      calls,
      options: {
        apiKey: async () => 'rk_test_not_a_real_key_123',
        ratePerSecond: 4,
        now: () => clock,
        sleep: async (ms: number) => {
          clock += ms;
        },
        random: () => 0,
        createClient: async () => client,
      },
    };
  }

  it('spaces its list calls at the configured rate', async () => {
    const events = stripeEvents(4);
    const { calls, options } = clientAnswering([
      events.slice(0, 1),
      events.slice(1, 2),
      events.slice(2, 3),
      events.slice(3),
    ]);
    const { replayDeps } = deps([]);
    const summary = await replayEvents(
      { since: new Date(now.getTime() - 86_400_000) },
      { ...replayDeps, stripe: createStripeAdminApi(options) },
    );
    expect(summary.found).toBe(4);
    // 4 calls per second: 250 ms apart.
    expect(calls.map((call) => call.at)).toEqual([0, 250, 500, 750]);
    expect(calls[1]?.params).toMatchObject({ starting_after: 'evt_004', limit: 100 });
  });

  it('retries a page Stripe answers 429 (rate_limit), honouring Retry-After, then goes on', async () => {
    const rateLimited = Object.assign(new Error('Request rate limit exceeded.'), {
      statusCode: 429,
      rawType: 'invalid_request_error',
      code: 'rate_limit',
      headers: { 'retry-after': '2' },
    });
    const { calls, options } = clientAnswering([rateLimited, stripeEvents(3)]);
    const { queued, replayDeps } = deps([]);
    const summary = await replayEvents(
      { since: new Date(now.getTime() - 86_400_000) },
      { ...replayDeps, stripe: createStripeAdminApi(options) },
    );
    expect(summary).toMatchObject({ found: 3, queued: 3, failed: 0 });
    expect(queued).toHaveLength(3);
    expect(calls).toHaveLength(2);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(2000);
  });
});

describe('replayEventQueue', () => {
  it("sends the receiver's attributes plus replayed-by", async () => {
    const sent: Array<{ body: string; attributes: Readonly<Record<string, string>> }> = [];
    const enqueue = replayEventQueue(async (message) => {
      sent.push(message);
    }, 'stripe:replay');
    await enqueue({
      body: '{"id":"evt_1"}',
      eventId: 'evt_1',
      eventType: 'invoice.paid',
      payload: 'snapshot',
      receivedAt: now.toISOString(),
    });
    expect(sent).toEqual([
      {
        body: '{"id":"evt_1"}',
        attributes: {
          [messageAttributeNames.eventId]: 'evt_1',
          [messageAttributeNames.eventType]: 'invoice.paid',
          [messageAttributeNames.receivedAt]: now.toISOString(),
          [messageAttributeNames.eventPayload]: 'snapshot',
          [messageAttributeNames.replayedBy]: 'stripe:replay',
        },
      },
    ]);
  });
});
