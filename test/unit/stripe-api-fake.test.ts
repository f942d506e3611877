/**
 * The fake Stripe API's pure parts, without starting it: what it learns from events, the faults it
 * accepts, how it shapes Stripe's errors, and its command line. Over HTTP: test/integration/stripe-api-fake.test.ts.
 */
import { cliUsage, defaultCliPort, FakeStripeCliUsageError, parseCliArgs } from '../../tools/fake-stripe/cli';
import { controlRoutes, InvalidFaultError, parseFault } from '../../tools/fake-stripe/control';
import { ObjectStore } from '../../tools/fake-stripe/object-store';
import { exampleObject, objectRoutes } from '../../tools/fake-stripe/resources/objects';
import { type FakeRequest, matchRoute } from '../../tools/fake-stripe/router';
import { faultResponse, invalidApiKey, redactApiKey, resourceMissing } from '../../tools/fake-stripe/stripe-errors';

const event = (type: string, created: number, object: Record<string, unknown>) => ({
  id: `evt_${created}`,
  object: 'event',
  type,
  created,
  data: { object },
});

describe('ObjectStore', () => {
  it('keeps the object of the newest event, whatever order events arrive in', () => {
    // Prepare
    const store = new ObjectStore();
    // Act
    store.observeEvent(event('customer.updated', 200, { id: 'cus_1', object: 'customer', name: 'new' }));
    store.observeEvent(event('customer.created', 100, { id: 'cus_1', object: 'customer', name: 'old' }));
    // Assess
    expect(store.get('customer', 'cus_1')).toMatchObject({ name: 'new' });
  });

  it('lets an event of the same second replace the object (the later delivery wins)', () => {
    const store = new ObjectStore();
    store.observeEvent(event('customer.created', 100, { id: 'cus_1', object: 'customer', name: 'first' }));
    store.observeEvent(event('customer.updated', 100, { id: 'cus_1', object: 'customer', name: 'second' }));
    expect(store.get('customer', 'cus_1')).toMatchObject({ name: 'second' });
  });

  it('answers a deleted customer with the stub Stripe returns, and an older update does not revive it', () => {
    // Prepare
    const store = new ObjectStore();
    const customer = { id: 'cus_gone', object: 'customer', email: 'someone@example.com' };
    // Act
    store.observeEvent(event('customer.deleted', 300, customer));
    store.observeEvent(event('customer.updated', 250, customer));
    // Assess
    expect(store.get('customer', 'cus_gone')).toEqual({ id: 'cus_gone', object: 'customer', deleted: true });
  });

  it('learns every served type, keyed by type, and ignores objects it does not serve', () => {
    // Prepare
    const store = new ObjectStore();
    // Act
    const learned = [
      store.observeEvent(event('checkout.session.completed', 1, { id: 'cs_1', object: 'checkout.session' })),
      store.observeEvent(event('invoice.paid', 1, { id: 'in_1', object: 'invoice' })),
      store.observeEvent(event('charge.refunded', 1, { id: 'ch_1', object: 'charge' })),
      store.observeEvent(event('customer.subscription.deleted', 1, { id: 'sub_1', object: 'subscription' })),
      store.observeEvent(event('payment_intent.succeeded', 1, { id: 'pi_1', object: 'payment_intent' })),
      store.observeEvent({ not: 'an event' }),
    ];
    // Assess
    expect(learned).toEqual(['cs_1', 'in_1', 'ch_1', 'sub_1', undefined, undefined]);
    expect(store.get('checkout.session', 'cs_1')).toMatchObject({ id: 'cs_1' });
    expect(store.get('customer', 'sub_1')).toBeUndefined();
  });

  it('hands out copies: a caller changing one does not change what it serves', () => {
    const store = new ObjectStore();
    const object = { id: 'cus_1', object: 'customer', name: 'a' };
    store.observeEvent(event('customer.created', 1, object));
    object.name = 'changed by the caller';
    const served = store.get('customer', 'cus_1');
    if (served !== undefined) served.name = 'changed again';
    expect(store.get('customer', 'cus_1')).toMatchObject({ name: 'a' });
  });

  it('forgets everything on clear()', () => {
    const store = new ObjectStore();
    store.observeEvent(event('customer.created', 1, { id: 'cus_1', object: 'customer' }));
    store.clear();
    expect(store.get('customer', 'cus_1')).toBeUndefined();
  });
});

describe('object routes', () => {
  const request = (path: string): FakeRequest => ({
    method: 'GET',
    path,
    query: new URLSearchParams(),
    headers: {},
    body: '',
  });
  const answer = (store: ObjectStore, path: string) => {
    const match = matchRoute(objectRoutes(store), 'GET', path);
    if (match.kind !== 'matched') throw new Error(`no route for ${path}`);
    return match.route.handle(match.params, request(path));
  };

  it("answers an unknown id with Stripe's example object for the resource, carrying the id asked for", () => {
    const store = new ObjectStore();
    expect(answer(store, '/v1/invoices/in_made_up').body).toMatchObject({ id: 'in_made_up', object: 'invoice' });
    expect(answer(store, '/v1/checkout/sessions/cs_made_up').body).toMatchObject({
      id: 'cs_made_up',
      object: 'checkout.session',
    });
    expect(answer(store, '/v1/customers/cus_Made_Up').body).toMatchObject({ email: 'cus_made_up@example.com' });
  });

  it('answers 404 resource_missing for an unobserved id containing "missing", and for an id Stripe cannot issue', () => {
    const store = new ObjectStore();
    expect(answer(store, '/v1/charges/ch_missing')).toEqual(resourceMissing('charge', 'ch_missing'));
    expect(answer(store, `/v1/customers/${encodeURIComponent("cus_1' or 1=1")}`).status).toBe(404);
  });

  it('tells a wrong method from an unknown path', () => {
    const routes = objectRoutes(new ObjectStore());
    expect(matchRoute(routes, 'POST', '/v1/customers/cus_1').kind).toBe('wrong-method');
    expect(matchRoute(routes, 'GET', '/v1/prices/price_1').kind).toBe('none');
  });

  it('puts an example.com address only on example customers', () => {
    expect(exampleObject('customer', 'cus_x')?.email).toBe('cus_x@example.com');
    expect(exampleObject('subscription', 'sub_x')).not.toHaveProperty('email');
  });
});

describe('Stripe error shapes', () => {
  it('redacts a refused key as Stripe does: prefix, stars, last four', () => {
    expect(redactApiKey('rk_live_not_a_real_key_WXYZ')).toBe('rk_live_****WXYZ');
    expect(redactApiKey('sk_test_abc')).toBe('sk_test_****');
    expect(redactApiKey('garbage-key-1234')).toBe('****1234');
    expect(invalidApiKey('rk_live_not_a_real_key_WXYZ')).toEqual({
      status: 401,
      body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: rk_live_****WXYZ' } },
    });
  });

  it('sends a 429 as Stripe does (invalid_request_error / rate_limit) and 5xx as api_error', () => {
    expect(faultResponse(429)).toMatchObject({
      status: 429,
      body: { error: { type: 'invalid_request_error', code: 'rate_limit' } },
    });
    expect(faultResponse(503)).toMatchObject({ status: 503, body: { error: { type: 'api_error' } } });
  });
});

describe('parseFault', () => {
  it('accepts path, and pathPrefix as its other name', () => {
    expect(parseFault({ status: 429, count: 2, path: '/v1/customers/' })).toEqual({
      status: 429,
      count: 2,
      path: '/v1/customers/',
    });
    expect(parseFault({ status: 500, count: 1, pathPrefix: '/v1/' })).toEqual({ status: 500, count: 1, path: '/v1/' });
    expect(parseFault({ status: 503, count: 1 })).toEqual({ status: 503, count: 1 });
  });

  it.each([
    ['a status Stripe does not fail with', { status: 404, count: 1 }, /status must be one of 429, 500/],
    ['no count', { status: 429 }, /count must be a whole number/],
    ['a zero count', { status: 429, count: 0 }, /count must be a whole number/],
    ['a relative path', { status: 429, count: 1, path: 'v1/customers' }, /path must be a path starting with \//],
    ['both names', { status: 429, count: 1, path: '/a', pathPrefix: '/b' }, /not both/],
    ['an array', [429], /must be an object/],
  ])('refuses %s, showing a valid fault', (_what, value, problem) => {
    expect(() => parseFault(value)).toThrow(InvalidFaultError);
    expect(() => parseFault(value)).toThrow(problem);
    expect(() => parseFault(value)).toThrow(/"path":"\/v1\/customers\/"/);
  });

  it('answers 400 over HTTP for a bad fault, and injects nothing', () => {
    // Prepare
    const injected: unknown[] = [];
    const routes = controlRoutes({
      observeEvent: () => undefined,
      injectFaults: (fault) => void injected.push(fault),
      clearFaults: () => undefined,
      requests: () => [],
      reset: () => undefined,
    });
    const match = matchRoute(routes, 'POST', '/_fake/faults');
    if (match.kind !== 'matched') throw new Error('no faults route');
    const post = (body: string) =>
      match.route.handle([], {
        method: 'POST',
        path: '/_fake/faults',
        query: new URLSearchParams(),
        headers: {},
        body,
      });
    // Act
    const notJson = post('status=429');
    const bad = post('{"status":418,"count":1}');
    const good = post('{"status":429,"count":1}');
    // Assess
    expect([notJson.status, bad.status, good.status]).toEqual([400, 400, 200]);
    expect(injected).toEqual([{ status: 429, count: 1 }]);
  });
});

describe('fake Stripe CLI arguments', () => {
  it('defaults to port 12111 on loopback, any test key', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'serve', options: { port: defaultCliPort } });
    expect(defaultCliPort).toBe(12111);
  });

  it('reads --port, --host and repeated --key', () => {
    expect(parseCliArgs(['--port', '0', '--host', '::1', '--key', 'rk_test_a', '--key', 'rk_test_b'])).toEqual({
      kind: 'serve',
      options: { port: 0, host: '::1', apiKeys: ['rk_test_a', 'rk_test_b'] },
    });
  });

  it('answers --help with the usage, which names every option', () => {
    expect(parseCliArgs(['--port', '1', '--help'])).toEqual({ kind: 'help' });
    for (const option of ['--port', '--host', '--key', '--help']) expect(cliUsage).toContain(option);
  });

  it.each([
    [['--port', 'http'], /--port must be a port number/],
    [['--port', '70000'], /--port must be a port number/],
    [['--port'], /--port needs a value/],
    [['--host', '--port', '1'], /--host needs a value/],
    [['12111'], /Unknown argument "12111"/],
  ])('refuses %j, pointing at --help', (argv, problem) => {
    expect(() => parseCliArgs(argv)).toThrow(FakeStripeCliUsageError);
    expect(() => parseCliArgs(argv)).toThrow(problem);
    expect(() => parseCliArgs(argv)).toThrow(/--help/);
  });
});
