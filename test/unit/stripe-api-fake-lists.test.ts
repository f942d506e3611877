/**
 * The fake Stripe API's Events API and webhook endpoints, through its routes without HTTP: Stripe's
 * pagination, filters, 30-day window and errors. Over HTTP with stripe-node: test/integration/stripe-api-fake.test.ts.
 */
import { EventStore } from '../../tools/fake-stripe/event-store';
import { ObjectStore } from '../../tools/fake-stripe/object-store';
import { eventRoutes } from '../../tools/fake-stripe/resources/events';
import { objectRoutes } from '../../tools/fake-stripe/resources/objects';
import { WebhookEndpointStore, webhookEndpointRoutes } from '../../tools/fake-stripe/resources/webhook-endpoints';
import { type FakeRequest, matchRoute, type Route } from '../../tools/fake-stripe/router';
import { parseStripeParams } from '../../tools/fake-stripe/stripe-params';

const nowSeconds = 1_800_000_000;

function request(routes: Route[], method: string, pathAndQuery: string, body = '') {
  const url = new URL(pathAndQuery, 'http://fake.invalid');
  const match = matchRoute(routes, method, url.pathname);
  if (match.kind !== 'matched') throw new Error(`no route for ${method} ${url.pathname}`);
  const fakeRequest: FakeRequest = { method, path: url.pathname, query: url.searchParams, headers: {}, body };
  return match.route.handle(match.params, fakeRequest) as { status: number; body: Record<string, unknown> };
}

const event = (id: string, created: number, type = 'invoice.paid') => ({
  id,
  object: 'event',
  type,
  created,
  data: { object: {} },
});
const ids = (body: Record<string, unknown>) => (body.data as Array<{ id: string }>).map((item) => item.id);

describe('parseStripeParams', () => {
  it('reads the qs encoding stripe-node sends: arrays by index or [], nested ranges, metadata', () => {
    const params = parseStripeParams(
      new URLSearchParams('limit=3&types[0]=a&types[1]=b&created[gte]=10&metadata[team]=x&enabled_events[]=c'),
    );
    expect(params).toEqual({
      limit: '3',
      types: ['a', 'b'],
      created: { gte: '10' },
      metadata: { team: 'x' },
      enabled_events: ['c'],
    });
  });
});

describe('GET /v1/events', () => {
  function routesWith(count: number) {
    const store = new EventStore();
    // evt_1 oldest ... evt_N newest, one second apart; evt_3 and evt_4 failed to deliver.
    for (let index = 1; index <= count; index += 1) {
      store.record(
        event(`evt_${index}`, nowSeconds - 1000 + index, index % 2 === 0 ? 'invoice.paid' : 'charge.refunded'),
        index !== 3 && index !== 4,
      );
    }
    return { store, routes: eventRoutes(store, () => nowSeconds) };
  }

  it('lists newest first and pages with starting_after until has_more is false', () => {
    const { routes } = routesWith(5);
    const first = request(routes, 'GET', '/v1/events?limit=2');
    expect(ids(first.body)).toEqual(['evt_5', 'evt_4']);
    expect(first.body).toMatchObject({ object: 'list', url: '/v1/events', has_more: true });
    const second = request(routes, 'GET', '/v1/events?limit=2&starting_after=evt_4');
    expect(ids(second.body)).toEqual(['evt_3', 'evt_2']);
    const last = request(routes, 'GET', '/v1/events?limit=2&starting_after=evt_2');
    expect(ids(last.body)).toEqual(['evt_1']);
    expect(last.body.has_more).toBe(false);
  });

  it('pages backwards with ending_before: the items just newer, has_more if there are newer still', () => {
    const { routes } = routesWith(5);
    const page = request(routes, 'GET', '/v1/events?limit=2&ending_before=evt_2');
    expect(ids(page.body)).toEqual(['evt_4', 'evt_3']);
    expect(page.body.has_more).toBe(true);
    expect(request(routes, 'GET', '/v1/events?limit=2&ending_before=evt_4').body.has_more).toBe(false);
  });

  it('filters by created[gte|lte], types[], type with a wildcard and delivery_success', () => {
    const { routes } = routesWith(6);
    expect(
      ids(request(routes, 'GET', `/v1/events?created[gte]=${nowSeconds - 996}&created[lte]=${nowSeconds - 995}`).body),
    ).toEqual(['evt_5', 'evt_4']);
    expect(ids(request(routes, 'GET', '/v1/events?types[0]=invoice.paid').body)).toEqual(['evt_6', 'evt_4', 'evt_2']);
    expect(ids(request(routes, 'GET', '/v1/events?type=charge.*').body)).toEqual(['evt_5', 'evt_3', 'evt_1']);
    expect(ids(request(routes, 'GET', '/v1/events?delivery_success=false').body)).toEqual(['evt_4', 'evt_3']);
    expect(request(routes, 'GET', '/v1/events?delivery_success=false').body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ pending_webhooks: 1 })]),
    );
  });

  it('counts an event delivered after a failure as delivered', () => {
    const { store, routes } = routesWith(4);
    store.record(event('evt_3', nowSeconds - 997), true);
    expect(ids(request(routes, 'GET', '/v1/events?delivery_success=false').body)).toEqual(['evt_4']);
  });

  it('lists and retrieves only the last 30 days, as Stripe keeps events', () => {
    const store = new EventStore();
    store.record(event('evt_old', nowSeconds - 31 * 86_400), true);
    store.record(event('evt_new', nowSeconds - 29 * 86_400), true);
    const routes = eventRoutes(store, () => nowSeconds);
    expect(ids(request(routes, 'GET', '/v1/events').body)).toEqual(['evt_new']);
    expect(request(routes, 'GET', '/v1/events/evt_old').status).toBe(404);
    expect(request(routes, 'GET', '/v1/events/evt_new').body).toMatchObject({ id: 'evt_new', pending_webhooks: 0 });
  });

  it.each([
    ['/v1/events?limit=101', 'limit'],
    ['/v1/events?type=a.b&types[0]=a.b', 'types'],
    ['/v1/events?starting_after=evt_nope', 'starting_after'],
    ['/v1/events?expand_me=1', 'expand_me'],
    ['/v1/events?delivery_success=maybe', 'delivery_success'],
  ])("answers %s with Stripe's 400 naming %s", (path, param) => {
    const { routes } = routesWith(2);
    const answer = request(routes, 'GET', path);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param });
  });
});

describe('GET /v1/events/:id, /v2/core/events/:id and /v1/billing/meters/:id', () => {
  it('serves a thin event with its data, and 404 not_found for one it never sent', () => {
    const store = new EventStore();
    store.record(
      {
        id: 'evt_thin',
        object: 'v2.core.event',
        type: 'v1.billing.meter.error_report_triggered',
        created: '2026-12-03T10:00:00.000Z',
      },
      true,
    );
    const routes = eventRoutes(store, () => nowSeconds);
    const found = request(routes, 'GET', '/v2/core/events/evt_thin');
    expect(found.body).toMatchObject({ id: 'evt_thin', object: 'v2.core.event', data: { reason: { error_count: 1 } } });
    const missing = request(routes, 'GET', '/v2/core/events/evt_other');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    // A thin event is not a snapshot event: /v1/events does not list it.
    expect(ids(request(routes, 'GET', '/v1/events').body)).toEqual([]);
  });

  it("serves Stripe's example billing meter with the id asked for", () => {
    const routes = objectRoutes(new ObjectStore());
    expect(request(routes, 'GET', '/v1/billing/meters/mtr_test_1').body).toMatchObject({
      id: 'mtr_test_1',
      object: 'billing.meter',
      status: 'active',
    });
  });
});

describe('/v1/webhook_endpoints', () => {
  const form = (fields: Record<string, string | string[]>) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      if (Array.isArray(value)) {
        for (const [index, item] of value.entries()) params.append(`${name}[${index}]`, item);
      } else params.append(name, value);
    }
    return params.toString();
  };
  const routes = () => webhookEndpointRoutes(new WebhookEndpointStore(() => nowSeconds));

  it('returns the secret on create only; retrieve, list and update never show it', () => {
    const r = routes();
    const created = request(
      r,
      'POST',
      '/v1/webhook_endpoints',
      form({ url: 'https://example.com/webhook', enabled_events: ['invoice.paid'], api_version: '2026-10-28.endive' }),
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: 'webhook_endpoint',
      status: 'enabled',
      api_version: '2026-10-28.endive',
      enabled_events: ['invoice.paid'],
    });
    expect(created.body.secret).toMatch(/^whsec_fake_[0-9a-f]{32}$/);
    const id = created.body.id as string;
    expect(request(r, 'GET', `/v1/webhook_endpoints/${id}`).body).not.toHaveProperty('secret');
    expect(request(r, 'GET', '/v1/webhook_endpoints').body.data).toEqual([
      expect.not.objectContaining({ secret: expect.anything() }),
    ]);
    const updated = request(
      r,
      'POST',
      `/v1/webhook_endpoints/${id}`,
      form({ enabled_events: ['invoice.paid', 'charge.refunded'], disabled: 'true' }),
    );
    expect(updated.body).toMatchObject({ enabled_events: ['invoice.paid', 'charge.refunded'], status: 'disabled' });
    expect(updated.body).not.toHaveProperty('secret');
  });

  it('refuses api_version on update, as Stripe does (it is fixed at creation)', () => {
    const r = routes();
    const { id } = request(
      r,
      'POST',
      '/v1/webhook_endpoints',
      form({ url: 'https://example.com/a', enabled_events: ['*'] }),
    ).body as { id: string };
    const answer = request(r, 'POST', `/v1/webhook_endpoints/${id}`, form({ api_version: '2026-10-28.endive' }));
    expect(answer).toMatchObject({
      status: 400,
      body: { error: { message: 'Received unknown parameter: api_version', param: 'api_version' } },
    });
  });

  it('deletes, then answers 404 resource_missing', () => {
    const r = routes();
    const { id } = request(
      r,
      'POST',
      '/v1/webhook_endpoints',
      form({ url: 'https://example.com/a', enabled_events: ['*'] }),
    ).body as { id: string };
    expect(request(r, 'DELETE', `/v1/webhook_endpoints/${id}`).body).toEqual({
      id,
      object: 'webhook_endpoint',
      deleted: true,
    });
    expect(request(r, 'GET', `/v1/webhook_endpoints/${id}`)).toMatchObject({
      status: 404,
      body: { error: { code: 'resource_missing' } },
    });
  });

  it.each([
    [{ enabled_events: ['*'] }, 'url'],
    [{ url: 'https://example.com/a' }, 'enabled_events'],
    [{ url: 'ftp://example.com/a', enabled_events: ['*'] }, 'url'],
    [{ url: 'https://example.com/a', enabled_events: ['Not A Type'] }, 'enabled_events[0]'],
    [{ url: 'https://example.com/a', enabled_events: ['*'], api_version: 'latest' }, 'api_version'],
  ])('refuses a create of %j, naming %s', (fields, param) => {
    const answer = request(routes(), 'POST', '/v1/webhook_endpoints', form(fields));
    expect(answer).toMatchObject({ status: 400, body: { error: { param } } });
  });

  it("stops at Stripe's 16 endpoints", () => {
    const r = routes();
    for (let index = 0; index < 16; index += 1) {
      expect(
        request(
          r,
          'POST',
          '/v1/webhook_endpoints',
          form({ url: `https://example.com/${index}`, enabled_events: ['*'] }),
        ).status,
      ).toBe(200);
    }
    expect(
      request(r, 'POST', '/v1/webhook_endpoints', form({ url: 'https://example.com/17', enabled_events: ['*'] }))
        .status,
    ).toBe(400);
  });
});

describe('GET /v2/core/events', () => {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  function thinRoutes(count: number) {
    const store = new EventStore();
    // evt_thin_1 oldest ... evt_thin_N newest, one second apart; the odd ones are about meter mtr_odd.
    for (let index = 1; index <= count; index += 1) {
      store.record(
        {
          id: `evt_thin_${index}`,
          object: 'v2.core.event',
          type: index % 3 === 0 ? 'v2.core.account.updated' : 'v1.billing.meter.error_report_triggered',
          created: iso(nowSeconds - 1000 + index),
          related_object: { id: index % 2 === 1 ? 'mtr_odd' : 'mtr_even', type: 'billing.meter', url: '/v1/x' },
        },
        false,
      );
    }
    return eventRoutes(store, () => nowSeconds);
  }

  it('lists newest first, and pages through next_page_url (keeping the filters) until it is null', () => {
    // Prepare
    const routes = thinRoutes(25);
    // Act
    const first = request(routes, 'GET', '/v2/core/events?limit=10&types[0]=v1.billing.meter.error_report_triggered');
    const second = request(routes, 'GET', String(first.body.next_page_url));
    // Assess
    expect(first.status).toBe(200);
    expect(ids(first.body)).toEqual([
      'evt_thin_25',
      'evt_thin_23',
      'evt_thin_22',
      'evt_thin_20',
      'evt_thin_19',
      'evt_thin_17',
      'evt_thin_16',
      'evt_thin_14',
      'evt_thin_13',
      'evt_thin_11',
    ]);
    expect(String(first.body.next_page_url)).toMatch(/^\/v2\/core\/events\?.*types%5B0%5D=v1\.billing.*&page=/);
    expect(ids(second.body)).toEqual([
      'evt_thin_10',
      'evt_thin_8',
      'evt_thin_7',
      'evt_thin_5',
      'evt_thin_4',
      'evt_thin_2',
      'evt_thin_1',
    ]);
    expect(second.body.next_page_url).toBeNull();
    expect(first.body).not.toHaveProperty('has_more');
  });

  it('filters by created as RFC 3339 times and by object_id, and refuses Unix seconds, as API v2 does', () => {
    // Prepare
    const routes = thinRoutes(6);
    const from = encodeURIComponent(iso(nowSeconds - 1000 + 3));
    // Act
    const window = request(routes, 'GET', `/v2/core/events?created[gte]=${from}&object_id=mtr_odd`);
    const seconds = request(routes, 'GET', `/v2/core/events?created[gte]=${nowSeconds - 100}`);
    const unknown = request(routes, 'GET', '/v2/core/events?delivery_success=false');
    // Assess
    expect(ids(window.body)).toEqual(['evt_thin_5', 'evt_thin_3']);
    expect(seconds.status).toBe(400);
    expect(JSON.stringify(seconds.body)).toContain('RFC 3339');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('Received unknown parameter: delivery_success');
  });
});
