/**
 * A fake Stripe API for the local pipeline and the integration tests: enough of Stripe's REST API for the
 * consumer's lookups, on localhost, with Stripe's own wire behaviour where the client's code depends on it.
 *
 * What it copies from the real API (see README.md for the list and what it leaves out):
 * - `Authorization: Bearer <key>` is required; a missing one is 401, a key that isn't a test key
 *   (`rk_test_...`/`sk_test_...`, or one of `apiKeys`) is 401 `invalid_request_error`
 *   "Invalid API Key provided: rk_test_****abcd", redacted as Stripe redacts it.
 * - Errors are JSON `{ error: { type, code, message, param } }` with Stripe's types and codes: 404
 *   `resource_missing` with `param: 'id'`; injected, 429 `rate_limit` (type `invalid_request_error`) and
 *   5xx `api_error`.
 * - Every response has a `Request-Id` (`req_...`) and a `Stripe-Version` (the request's, echoed, else the
 *   version the `stripe` package pins).
 * - GET /v1/customers/:id, /v1/subscriptions/:id, /v1/invoices/:id, /v1/charges/:id,
 *   /v1/checkout/sessions/:id, /v1/billing/meters/:id: the object as the latest observed event had it, or
 *   as a test set it (setObject, the current state from then on: an event created earlier never replaces
 *   it), a deleted customer as `{ id, object, deleted: true }`; else Stripe's example object with the id
 *   asked for. A customer takes Stripe's `expand[]` of `invoice_settings.default_payment_method` and
 *   `default_source`; any other path is Stripe's 400 "This property cannot be expanded (xyz)."
 * - Billing lists, newest first by `created` with Stripe's cursor pages (`limit` 1-100, default 10,
 *   `starting_after`, `ending_before`, `has_more`): GET /v1/customers (not the deleted ones, as on
 *   Stripe), GET /v1/subscriptions (`status` absent leaves out `canceled` and `incomplete_expired` as
 *   Stripe's default does, `all`, `ended` or one status; `customer`; `expand[]` of
 *   `data.default_payment_method`), GET /v1/entitlements/active_entitlements (`customer` required, as on
 *   Stripe; the entitlements set for that customer, the customer never served). Unknown parameters and
 *   bad values get Stripe's 400 with its `param`, `code` and `doc_url`.
 * - The Events API (resources/events.ts): GET /v1/events (Stripe's filters, cursors and 30-day window),
 *   /v1/events/:id, GET /v2/core/events (v2's RFC 3339 filters and page tokens) and /v2/core/events/:id,
 *   over the events the fake was told were sent (observeEvent).
 * - Webhook endpoints (resources/webhook-endpoints.ts): create, update, retrieve, list, delete; the
 *   signing secret only in the answer to create.
 * - Objects live in a Connect account, as on Stripe: an event's under its `account`, a set one under its
 *   top-level `account` (else the platform's); a request sees the account its `Stripe-Account` header
 *   names (the platform without one). `Stripe-Account` and `Stripe-Context` are recorded per request
 *   (requests()); `Stripe-Context` is not acted on, nor are events and webhook endpoints partitioned.
 *
 * What it does not do: search, other `expand[]` paths, other lists; restricted-key permissions (no 403),
 * idempotency keys, real rate limiting (429 only when injected), API-version-specific shapes. Objects
 * are not linked to each other, and state lives in memory.
 *
 * The control API (`/_fake/...`, see control.ts) lets tests steer a fake they did not start: feed it
 * events, set and delete objects (`POST /_fake/objects`, `DELETE /_fake/objects/:object/:id`), inject
 * faults, read the request log.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { controlRoutes, type Fault, objectControlRoutes, type RecordedRequest } from './control';
import { EventStore } from './event-store';
import { ObjectStore, type ServedObjectType } from './object-store';
import { customerRoutes } from './resources/customers';
import { disputeRoutes } from './resources/disputes';
import { entitlementRoutes } from './resources/entitlements';
import { eventRoutes } from './resources/events';
import { objectRoutes } from './resources/objects';
import { subscriptionRoutes } from './resources/subscriptions';
import { type FakeWebhookEndpoint, WebhookEndpointStore, webhookEndpointRoutes } from './resources/webhook-endpoints';
import { type FakeRequest, type FakeResponse, matchRoute, type Route } from './router';
import { faultResponse, invalidApiKey, missingApiKey, unrecognizedUrl } from './stripe-errors';

export interface FakeStripeApiOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The only keys accepted. @default any test key: rk_test_... or sk_test_... */
  apiKeys?: readonly string[];
  /** Called after each Stripe API request is answered (the CLI prints them). */
  onRequest?: (request: RecordedRequest) => void;
  /**
   * The fake's clock, for `created`, the Events API's 30-day window and the moment an object is set
   * (setObject). @default Date.now
   */
  now?: () => number;
}

export interface FakeStripeApi {
  /** Base URL, e.g. `http://127.0.0.1:54321`, for STRIPE_API_URL. */
  readonly url: string;
  /**
   * Learns the event's `data.object` (customer, subscription, invoice, charge, checkout.session,
   * payment_method, card, source), under the event's Connect `account`, and records the event as sent,
   * for the Events API: delivered unless `delivered: false` (the endpoint failed to take it, so
   * `delivery_success=false` lists it).
   */
  observeEvent(event: unknown, options?: { delivered?: boolean }): void;
  /**
   * Sets a Stripe object (`customer`, `subscription` with its `customer` id, `entitlements.active_entitlement`
   * with a top-level `customer`, `payment_method`, ...) as the current state from now on (the `now` clock):
   * an event created earlier does not replace it. A top-level `account` (`acct_...`) files it under that
   * connected account. Returns its id; throws InvalidFakeObjectError saying what is wrong with a bad one.
   */
  setObject(object: Record<string, unknown>): string;
  /** Forgets an object (of the platform, or of `account`); false when it was not known. */
  deleteObject(type: ServedObjectType, id: string, options?: { account?: string }): boolean;
  /** The webhook endpoints created through the API, newest first (no secrets). */
  webhookEndpoints(): FakeWebhookEndpoint[];
  /** The next `count` Stripe API requests under `path` get `status` instead of an answer. */
  injectFaults(fault: Fault): void;
  /** Every Stripe API request so far (not the control API's), in order. */
  requests(): RecordedRequest[];
  /** Forgets observed objects and events, webhook endpoints, pending faults and the request log. */
  reset(): void;
  close(): Promise<void>;
}

const maxBodyBytes = 1024 * 1024;
// Any test key in Stripe's shape; a live key is refused, since nothing should send one to a fake.
const testKeyPattern = /^(rk|sk)_test_[A-Za-z0-9_]+$/;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new Error(`Request body over ${maxBodyBytes} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export async function startFakeStripeApi(options: FakeStripeApiOptions = {}): Promise<FakeStripeApi> {
  const store = new ObjectStore();
  const events = new EventStore();
  const nowSeconds = (): number => Math.floor((options.now ?? Date.now)() / 1000);
  const endpoints = new WebhookEndpointStore(nowSeconds);
  const observeEvent = (event: unknown, observeOptions?: { delivered?: boolean }): string | undefined => {
    const recorded = events.record(event, observeOptions?.delivered ?? true);
    return store.observeEvent(event) ?? recorded;
  };
  const faults: Array<{ status: Fault['status']; remaining: number; pathPrefix: string }> = [];
  const log: RecordedRequest[] = [];
  const isAcceptedKey = (key: string): boolean =>
    options.apiKeys === undefined ? testKeyPattern.test(key) : options.apiKeys.includes(key);

  const injectFaults = (fault: Fault): void => {
    faults.push({ status: fault.status, remaining: fault.count, pathPrefix: fault.path ?? '/v1/' });
  };
  const requests = (): RecordedRequest[] => log.map((entry) => ({ ...entry }));
  const reset = (): void => {
    store.clear();
    events.clear();
    endpoints.clear();
    faults.length = 0;
    log.length = 0;
  };
  const setObject = (object: unknown): string => store.set(object, nowSeconds());
  const deleteObject = (type: ServedObjectType, id: string, account?: string): boolean =>
    store.delete(type, id, account);
  const control = [
    ...controlRoutes({
      observeEvent,
      injectFaults,
      clearFaults: () => {
        faults.length = 0;
      },
      requests,
      reset,
    }),
    ...objectControlRoutes({ setObject, deleteObject }),
  ];
  const stripeRoutes: Route[] = [
    ...objectRoutes(store),
    ...customerRoutes(store),
    ...subscriptionRoutes(store),
    ...entitlementRoutes(store),
    ...disputeRoutes(store),
    ...eventRoutes(events, nowSeconds),
    ...webhookEndpointRoutes(endpoints),
  ];

  /** Stripe's side: auth, then a pending fault, then the route. */
  function answerStripe(request: FakeRequest): FakeResponse {
    const authorization = headerValue(request.headers.authorization);
    const bearer = authorization === undefined ? undefined : /^Bearer (.+)$/.exec(authorization)?.[1]?.trim();
    if (bearer === undefined || bearer === '') return missingApiKey;
    if (!isAcceptedKey(bearer)) return invalidApiKey(bearer);
    const fault = faults.find((candidate) => candidate.remaining > 0 && request.path.startsWith(candidate.pathPrefix));
    if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining === 0) faults.splice(faults.indexOf(fault), 1);
      return faultResponse(fault.status);
    }
    const match = matchRoute(stripeRoutes, request.method, request.path);
    if (match.kind !== 'matched') return unrecognizedUrl(request.method, request.path);
    return match.route.handle(match.params, request);
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://fake-stripe.invalid');
    const request: FakeRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      body: await readBody(incoming),
    };
    let response: FakeResponse;
    if (request.path.startsWith('/_fake/')) {
      const match = matchRoute(control, request.method, request.path);
      response =
        match.kind === 'matched'
          ? match.route.handle(match.params, request)
          : { status: 404, body: { error: { message: `No fake control route ${request.method} ${request.path}` } } };
    } else {
      response = answerStripe(request);
      const query = url.search.slice(1);
      const stripeAccount = headerValue(request.headers['stripe-account']);
      const stripeContext = headerValue(request.headers['stripe-context']);
      const recorded: RecordedRequest = {
        method: request.method,
        path: request.path,
        status: response.status,
        ...(query === '' ? {} : { query }),
        ...(stripeAccount === undefined ? {} : { stripeAccount }),
        ...(stripeContext === undefined ? {} : { stripeContext }),
      };
      log.push(recorded);
      options.onRequest?.({ ...recorded });
    }
    outgoing.writeHead(response.status, {
      'content-type': 'application/json',
      'request-id': `req_${randomBytes(7).toString('hex')}`,
      'stripe-version': headerValue(request.headers['stripe-version']) ?? Stripe.API_VERSION,
    });
    outgoing.end(response.body === undefined ? '' : JSON.stringify(response.body));
  }

  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      if (outgoing.headersSent) return outgoing.destroy();
      outgoing.writeHead(500, { 'content-type': 'application/json' });
      outgoing.end(
        JSON.stringify({ error: { type: 'api_error', message: `Fake Stripe API failed: ${String(error)}` } }),
      );
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // Listening on every interface (for containers), this process still reaches it on loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const urlHost = reachable.includes(':') ? `[${reachable}]` : reachable;

  return {
    url: `http://${urlHost}:${port}`,
    observeEvent: (event, observeOptions) => {
      observeEvent(event, observeOptions);
    },
    setObject,
    deleteObject: (type, id, deleteOptions) => deleteObject(type, id, deleteOptions?.account),
    webhookEndpoints: () => endpoints.list(),
    injectFaults,
    requests,
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets (stripe-node keeps them) would otherwise hold close() open.
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
