/**
 * The Stripe API as the handlers use it (`ctx.stripe`): the `stripe` package's client, behind a per-container
 * rate limit, our own retries and a small cache.
 *
 * Why our own retries rather than the library's `maxNetworkRetries` (2 by default in stripe-node 23):
 * `RequestSender._shouldRetry` (node_modules/stripe/cjs/RequestSender.js, line 192) retries connection
 * errors, 409 and every status >= 500, and whatever the `Stripe-Should-Retry` header says, but never a 429
 * unless Stripe adds `Stripe-Should-Retry: true` (which it does not for rate limits) — and rate limits are
 * exactly what a consumer fanning out over a backlog hits. Its delays are also fixed: 0.5 s doubling to 5 s,
 * never below 0.5 s (`INITIAL_NETWORK_RETRY_DELAY_SEC`, `MAX_NETWORK_RETRY_DELAY_SEC` in stripe.core.js,
 * not configurable), it ignores `Retry-After`, and its retries bypass our rate limiter. Splitting the work
 * (the library for 5xx, us for 429) would stack two retry loops with different budgets. So the client is
 * built with `maxNetworkRetries: 0` and every attempt here waits for the limiter. The library still does
 * what it does well: the HTTP call, the `Authorization` header, the user agent, parsing Stripe's error
 * bodies into typed errors (with the response headers on `error.headers`, which is where `Retry-After` is
 * read). Note: even with 0 it retries a closed keep-alive socket (ECONNRESET/EPIPE) once by itself
 * (stripe-node#1040), which is what a thawed Lambda container needs.
 *
 * The `stripe` module is loaded on the first call (`await import`), so a consumer that never calls Stripe
 * neither loads it nor reads the key.
 */
import type Stripe from 'stripe';
import { jitteredBackoffMs, parseRetryAfter } from '../http-retry';
import type { LoggerPort } from '../logger';
import {
  type StripeApi,
  StripeApiError,
  StripeApiNotConfiguredError,
  StripeObjectNotFoundError,
  type StripeRequestScope,
} from './port';
import { createRateLimiter, realSleep } from './rate-limiter';

/** stripe-node's transport interface (`httpClient` in its config); typed from the constructor, as it is not exported by name. */
export type StripeHttpClient = NonNullable<NonNullable<ConstructorParameters<typeof Stripe>[1]>['httpClient']>;

/** The per-request options of the `stripe` client that the lookups set (a subset of its `RequestOptions`). */
export interface StripeCallOptions {
  stripeAccount?: string;
  stripeContext?: string;
  headers?: Record<string, string>;
}

/** What of the `stripe` client the lookups use: the seam tests replace. */
export interface StripeClientLike {
  customers: {
    retrieve(
      id: string,
      params?: Record<string, never>,
      options?: StripeCallOptions,
    ): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
  };
  subscriptions: {
    retrieve(id: string, params?: Record<string, never>, options?: StripeCallOptions): Promise<Stripe.Subscription>;
  };
  events: { retrieve(id: string, params?: Record<string, never>, options?: StripeCallOptions): Promise<Stripe.Event> };
  /** stripe-node's `rawRequest`: what its own thin-event `fetchEvent` and `fetchRelatedObject` call. */
  rawRequest(method: 'GET', path: string, params: undefined, options: StripeCallOptions): Promise<unknown>;
}

/** Where the client sends requests: api.stripe.com, or the fake Stripe API locally and in tests. */
export interface StripeApiTarget {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

export interface CreateStripeApiOptions {
  /** The API key, read when the first call is made (see `secretsManagerApiKey`). */
  apiKey: () => Promise<string>;
  /** Base URL of the API, e.g. the fake's `http://127.0.0.1:4010`. @default https://api.stripe.com */
  apiUrl?: string;
  /** Calls per second this container may make, retries included. @default 25 */
  ratePerSecond?: number;
  /** Retries after the first attempt, on 429, 5xx and connection errors. @default 3 */
  maxRetries?: number;
  /** First retry delay; doubles each retry, with jitter. @default 250 */
  retryBaseMs?: number;
  /**
   * Longest retry delay. A `Retry-After` asking for longer is not waited out inside the invocation: the
   * call fails, and the event is retried from the queue. @default 5000
   */
  retryMaxMs?: number;
  /** How long a retrieved object is served from the cache. @default 5 minutes */
  cacheTtlMs?: number;
  /** Most objects cached; the least recently used goes first. @default 500 */
  cacheMaxEntries?: number;
  /** Logs retries (identifiers and statuses only). */
  logger?: LoggerPort;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /**
   * Test seam: the transport the `stripe` package's client sends through, e.g.
   * `Stripe.createFetchHttpClient(fakeFetch)`. @default its Node http(s) client
   */
  httpClient?: StripeHttpClient;
  /** Test seam: builds the client from the key. @default the `stripe` package's client ({@link stripePackageClient}) */
  createClient?: (apiKey: string, target: StripeApiTarget) => Promise<StripeClientLike>;
}

export class InvalidStripeApiUrlError extends Error {
  constructor(apiUrl: string, rule: string) {
    super(
      `Stripe API URL ${JSON.stringify(apiUrl)} ${rule}. STRIPE_API_URL is meant only for the fake Stripe API ` +
        '(e.g. http://127.0.0.1:4010); leave it unset to call https://api.stripe.com.',
    );
    this.name = 'InvalidStripeApiUrlError';
  }
}

const defaultTarget: StripeApiTarget = { host: 'api.stripe.com', port: 443, protocol: 'https' };

/** Parses the base URL; stripe-node takes host, port and protocol apart and cannot prefix paths. */
export function parseStripeApiUrl(apiUrl: string | undefined): StripeApiTarget {
  if (apiUrl === undefined || apiUrl.trim() === '') return defaultTarget;
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new InvalidStripeApiUrlError(apiUrl, 'is not a URL');
  }
  const protocol = url.protocol === 'http:' ? 'http' : url.protocol === 'https:' ? 'https' : undefined;
  if (protocol === undefined) throw new InvalidStripeApiUrlError(apiUrl, 'must start with http:// or https://');
  if (url.pathname !== '/' || url.search !== '') {
    throw new InvalidStripeApiUrlError(apiUrl, 'must have no path or query (the client adds /v1/...)');
  }
  const port = url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port);
  return { host: url.hostname, port, protocol };
}

type StripeConstructor = typeof Stripe;

/** Per attempt; with the default 3 retries a lookup that keeps timing out gives up after about 45 s. */
const requestTimeoutMs = 10_000;

/** A new client of the `stripe` package (loaded on first use), configured as every call here wants it. */
export async function newStripeClient(
  apiKey: string,
  target: StripeApiTarget,
  httpClient?: StripeHttpClient,
): Promise<Stripe> {
  // Typed by hand: the package's typings differ between module resolutions (bundler vs node16, as the build uses).
  const loaded = (await import('stripe')) as unknown as { readonly default?: StripeConstructor } & StripeConstructor;
  // The package is CommonJS (`module.exports = Stripe`): bundlers and Node's ESM loader put it on `default`,
  // but some interop layers hand back the constructor itself.
  const StripeClass: StripeConstructor = typeof loaded.default === 'function' ? loaded.default : loaded;
  return new StripeClass(apiKey, {
    host: target.host,
    port: target.port,
    protocol: target.protocol,
    // No latency telemetry headers about our calls to Stripe: nothing leaves that we did not choose to send.
    telemetry: false,
    // stripe-node's default is 80 s, longer than a consumer invocation should spend on one lookup.
    timeout: requestTimeoutMs,
    // Names this project in Stripe's request logs (the user agent), so the account owner sees who calls.
    appInfo: { name: 'stripe-webhooks-aws' },
    maxNetworkRetries: 0,
    ...(httpClient === undefined ? {} : { httpClient }),
  });
}

/** The `stripe` package's client, loaded on first use; `maxNetworkRetries: 0` because the retries are ours. */
export async function stripePackageClient(
  apiKey: string,
  target: StripeApiTarget,
  httpClient?: StripeHttpClient,
): Promise<StripeClientLike> {
  const client = await newStripeClient(apiKey, target, httpClient);
  return {
    customers: client.customers,
    subscriptions: client.subscriptions,
    events: client.events,
    rawRequest: (method, path, params, options) => client.rawRequest(method, path, params, options),
  };
}

/** The fields of stripe-node's `StripeError` that the retry and error decisions read. */
interface StripeErrorFields {
  message: string;
  statusCode: number | undefined;
  rawType: string | undefined;
  code: string | undefined;
  requestId: string | undefined;
  shouldRetryHeader: string | undefined;
  /** From `Retry-After` (seconds or an HTTP date), when the response had one. */
  retryAfterMs: number | undefined;
}

/** Duck-typed, because the module (and so its classes for `instanceof`) is loaded lazily. */
function stripeErrorFields(error: unknown, nowMs: number): StripeErrorFields {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const headers = (typeof fields.headers === 'object' && fields.headers !== null ? fields.headers : {}) as Record<
    string,
    unknown
  >;
  return {
    message: error instanceof Error ? error.message : String(error),
    statusCode: typeof fields.statusCode === 'number' ? fields.statusCode : undefined,
    rawType: text(fields.rawType),
    code: text(fields.code),
    requestId: text(fields.requestId) ?? text(headers['request-id']),
    shouldRetryHeader: text(headers['stripe-should-retry']),
    retryAfterMs: parseRetryAfter(text(headers['retry-after']), nowMs),
  };
}

/** 429, 5xx and connection errors (no status), unless Stripe says `Stripe-Should-Retry: false`. */
function isRetryable(fields: StripeErrorFields): boolean {
  // Like stripe-node, defer to Stripe when it says a retry would be pointless.
  if (fields.shouldRetryHeader === 'false') return false;
  const status = fields.statusCode;
  return status === undefined || status === 429 || status >= 500;
}

function whatToCheck(status: number | undefined, target: StripeApiTarget): string {
  if (status === undefined) {
    return `Could not reach ${target.protocol}://${target.host}:${target.port}: check the function's outbound network (a NAT gateway when in a VPC) or STRIPE_API_URL.`;
  }
  if (status === 401) {
    return 'Check the key stored in the STRIPE_API_KEY_SECRET_ID secret: a restricted key (rk_...) of this account and mode, not revoked or expired.';
  }
  if (status === 403) {
    return 'Give the restricted key read access to customers and subscriptions (and, for billingState, entitlements).';
  }
  if (status === 429) {
    return 'Stripe rate-limited the account: lower stripeApiRatePerSecond or the consumer concurrency, or ask Stripe for a higher limit.';
  }
  if (status >= 500) return 'Stripe is failing (see status.stripe.com); the event is retried from the queue.';
  return 'Stripe rejected the request; its request id is above, for the Dashboard request log.';
}

function redactKey(message: string, apiKey: string | undefined): string {
  // Stripe already redacts the key it echoes ("rk_test_****abcd"); this guards against anything that didn't.
  return apiKey === undefined || apiKey === '' ? message : message.split(apiKey).join('[redacted key]');
}

/** The client's request options for a scope, as the spread tail of a call: none at all when there is nothing to set. */
export function callOptions(scope: StripeRequestScope | undefined): [] | [StripeCallOptions] {
  const options: StripeCallOptions = {};
  // stripe-node refuses both at once; a thin event's context is the more precise of the two.
  if (scope?.context !== undefined) options.stripeContext = scope.context;
  else if (scope?.account !== undefined) options.stripeAccount = scope.account;
  if (scope?.eventId !== undefined) options.headers = { 'Stripe-Request-Trigger': `event=${scope.eventId}` };
  return Object.keys(options).length === 0 ? [] : [options];
}

export class InvalidRelatedObjectUrlError extends Error {
  constructor(url: string) {
    super(
      `The thin event's related_object.url ${JSON.stringify(url.slice(0, 200))} is not a Stripe API path (/v1/... or /v2/...); ` +
        'Stripe sends one with every related object, so check what produced this event.',
    );
    this.name = 'InvalidRelatedObjectUrlError';
  }
}

/** Only a path on the configured API host: a URL elsewhere would send the key there. */
function relatedObjectPath(url: string): string {
  if (!/^\/v[12]\/[A-Za-z0-9_./-]+(\?[A-Za-z0-9_.=&%[\]-]*)?$/.test(url) || url.includes('..') || url.includes('//')) {
    throw new InvalidRelatedObjectUrlError(url);
  }
  return url;
}

interface CacheEntry {
  value: Promise<unknown>;
  /** Undefined while the request is in flight: concurrent callers share it. */
  expiresAt: number | undefined;
}

/** The options of {@link createStripeCaller}: those of {@link createStripeApi} but the cache's, with any client type. */
export type StripeCallerOptions<C> = Omit<CreateStripeApiOptions, 'cacheTtlMs' | 'cacheMaxEntries' | 'createClient'> & {
  /** Builds the client from the key, once. */
  readonly createClient: (apiKey: string, target: StripeApiTarget) => Promise<C>;
};

/** One call, with the key read once, the rate limit, the retries and the errors of {@link createStripeApi}. */
export type StripeCall<C> = <T>(
  resource: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  request: (stripe: C) => Promise<T>,
) => Promise<T>;

/**
 * The key, rate limit and retries behind {@link createStripeApi}, for any client: the operator tools
 * (`stripe-admin.ts`: events list, webhook endpoints) make their calls through the same machinery.
 */
export function createStripeCaller<C>(options: StripeCallerOptions<C>): StripeCall<C> {
  const target = parseStripeApiUrl(options.apiUrl);
  const maxRetries = options.maxRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const { createClient } = options;
  const limiter = createRateLimiter({ ratePerSecond: options.ratePerSecond ?? 25, now, sleep });

  let apiKey: string | undefined;
  let client: Promise<C> | undefined;
  // One client per container; a failed key read is not kept, so the next call tries again.
  const getClient = (): Promise<C> => {
    client ??= options
      .apiKey()
      .then((key) => {
        // stripe-node would throw a bare "Neither apiKey nor config.authenticator provided".
        if (key.trim() === '') throw new StripeApiNotConfiguredError('the configured key source returned an empty key');
        apiKey = key;
        return createClient(key, target);
      })
      .catch((error: unknown) => {
        client = undefined;
        throw error;
      });
    return client;
  };

  const backoffMs = (retry: number): number => jitteredBackoffMs(retry, retryBaseMs, retryMaxMs, random);

  /** The resource family (`customers`) is what retries log: an id would identify a customer. */
  return async function call<T>(
    resource: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    request: (stripe: C) => Promise<T>,
  ): Promise<T> {
    const stripe = await getClient();
    for (let attempt = 1; ; attempt += 1) {
      await limiter.acquire();
      try {
        return await request(stripe);
      } catch (error) {
        const fields = stripeErrorFields(error, now());
        const message = redactKey(fields.message, apiKey);
        // v1 says resource_missing, v2 not_found.
        if (fields.statusCode === 404 && (fields.code === 'resource_missing' || fields.code === 'not_found')) {
          throw new StripeObjectNotFoundError(
            `${message} (${method} ${path}, request ${fields.requestId ?? 'unknown'}). Check that the key is of the same mode (live or test) and account as the events.`,
          );
        }
        // A Retry-After longer than we would ever wait: leave it to the queue's redelivery instead of
        // holding the invocation (and its SQS batch) open.
        const retryable = isRetryable(fields);
        const waitTooLong = retryable && fields.retryAfterMs !== undefined && fields.retryAfterMs > retryMaxMs;
        if (retryable && attempt <= maxRetries && !waitTooLong) {
          const delayMs = Math.max(backoffMs(attempt), fields.retryAfterMs ?? 0);
          options.logger?.warn('Stripe API call failed; retrying', {
            resource,
            status: fields.statusCode ?? 'no response',
            code: fields.code,
            requestId: fields.requestId,
            attempt,
            delayMs: Math.round(delayMs),
          });
          await sleep(delayMs);
          continue;
        }
        const status = fields.statusCode === undefined ? 'no response' : String(fields.statusCode);
        const kind = [fields.rawType, fields.code].filter((part) => part !== undefined).join('/');
        const asked = waitTooLong
          ? ` Stripe asked to wait ${Math.ceil((fields.retryAfterMs ?? 0) / 1000)} s before retrying.`
          : '';
        throw new StripeApiError(
          `Stripe answered ${status}${kind === '' ? '' : ` ${kind}`} to ${method} ${path} after ${attempt} attempt${attempt === 1 ? '' : 's'} ` +
            `(request ${fields.requestId ?? 'unknown'}): ${message.replace(/\.?$/, '.')}${asked} ${whatToCheck(fields.statusCode, target)}`,
          { status: fields.statusCode, type: fields.rawType, code: fields.code, requestId: fields.requestId },
        );
      }
    }
  };
}

export function createStripeApi(options: CreateStripeApiOptions): StripeApi {
  const cacheTtlMs = options.cacheTtlMs ?? 5 * 60_000;
  const cacheMaxEntries = options.cacheMaxEntries ?? 500;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  const call = createStripeCaller<StripeClientLike>({
    ...options,
    createClient:
      options.createClient ?? ((key: string, at: StripeApiTarget) => stripePackageClient(key, at, options.httpClient)),
  });

  function cached<T>(
    resource: 'customers' | 'subscriptions',
    id: string,
    scope: StripeRequestScope | undefined,
    request: (stripe: StripeClientLike) => Promise<T>,
  ): Promise<T> {
    // An id names one object per account: a connected account's cus_1 is not the platform's.
    const key = `${scope?.context ?? scope?.account ?? ''}:${resource}:${id}`;
    const hit = cache.get(key);
    if (hit !== undefined && (hit.expiresAt === undefined || now() < hit.expiresAt)) {
      // Re-insert so Map order is least recently used first.
      cache.delete(key);
      cache.set(key, hit);
      return hit.value as Promise<T>;
    }
    const entry: CacheEntry = { value: Promise.resolve(), expiresAt: undefined };
    const value = call(resource, 'GET', `/v1/${resource}/${id}`, request).then(
      (result) => {
        entry.expiresAt = now() + cacheTtlMs;
        return result;
      },
      (error: unknown) => {
        // Failures are not cached: the next lookup asks again.
        if (cache.get(key) === entry) cache.delete(key);
        throw error;
      },
    );
    entry.value = value;
    cache.delete(key);
    cache.set(key, entry);
    for (const oldest of cache.keys()) {
      if (cache.size <= cacheMaxEntries) break;
      cache.delete(oldest);
    }
    return value;
  }

  /** A GET by path through `rawRequest`, for what the typed client's resources do not cover here. */
  const rawGet = (resource: string, path: string, scope: Parameters<typeof callOptions>[0]) =>
    call(resource, 'GET', path, (stripe) => stripe.rawRequest('GET', path, undefined, callOptions(scope)[0] ?? {}));

  return {
    retrieveCustomer: (id, scope) =>
      cached('customers', id, scope, (stripe) => stripe.customers.retrieve(id, {}, ...callOptions(scope))),
    retrieveSubscription: (id, scope) =>
      cached('subscriptions', id, scope, (stripe) => stripe.subscriptions.retrieve(id, {}, ...callOptions(scope))),
    retrieveEvent: (id, scope) =>
      call('events', 'GET', `/v1/events/${id}`, (stripe) => stripe.events.retrieve(id, {}, ...callOptions(scope))),
    // Encoded as stripe-node's own fetchEvent does: the id comes from the notification body.
    retrieveThinEvent: (id, scope) =>
      rawGet('v2.core.events', `/v2/core/events/${encodeURIComponent(id)}`, scope) as Promise<Stripe.V2.Core.Event>,
    retrieveRelatedObject: (url, scope) => rawGet('related_object', relatedObjectPath(url), scope),
    // Through rawRequest, like the thin events: the client seam (StripeClientLike) stays as it is. The id is
    // encoded, as it comes from an event or a schedule's input.
    retrieveDispute: (id, scope) =>
      rawGet('disputes', `/v1/disputes/${encodeURIComponent(id)}`, scope) as Promise<Stripe.Dispute>,
    retrieveCharge: (id, scope) =>
      rawGet('charges', `/v1/charges/${encodeURIComponent(id)}`, scope) as Promise<Stripe.Charge>,
  };
}
