/**
 * The Stripe API as the handlers use it (`ctx.stripe`): the `stripe` package's client, behind a per-container
 * rate limit, our own retries and a small cache.
 *
 * Why our own retries rather than the library's `maxNetworkRetries`: stripe-node 23's
 * `RequestSender._shouldRetry` (node_modules/stripe/cjs/RequestSender.js, line 192) retries connection
 * errors, 409 and 5xx, and whatever `Stripe-Should-Retry` says, but never a 429 without that header (rate
 * limits are exactly what a fan-out consumer hits), and its delays are fixed at 0.5 s doubling to 5 s
 * (`INITIAL_NETWORK_RETRY_DELAY_SEC`, not configurable) and bypass our rate limiter. So the client is built
 * with `maxNetworkRetries: 0` and each attempt here waits for the limiter. The library still does the job
 * it does well: the HTTP call, the `Authorization` header, parsing Stripe's error bodies into typed errors.
 * Note: with 0 it still retries a closed keep-alive socket (ECONNRESET/EPIPE) once by itself, which is
 * what a thawed Lambda container needs.
 *
 * The `stripe` module is loaded on the first call (`await import`), so a consumer that never calls Stripe
 * neither loads it nor reads the key.
 */
import type Stripe from 'stripe';
import type { LoggerPort } from '../logger';
import { type StripeApi, StripeApiError, StripeObjectNotFoundError } from './port';
import { createRateLimiter, realSleep } from './rate-limiter';

/** What of the `stripe` client the lookups use: the seam tests replace. */
export interface StripeClientLike {
  customers: { retrieve(id: string): Promise<Stripe.Customer | Stripe.DeletedCustomer> };
  subscriptions: { retrieve(id: string): Promise<Stripe.Subscription> };
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
  /** Longest retry delay. @default 5000 */
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
  /** Test seam: builds the client from the key. @default the `stripe` package's client */
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

/** The `stripe` package's client, loaded on first use; `maxNetworkRetries: 0` because the retries are ours. */
export async function stripePackageClient(apiKey: string, target: StripeApiTarget): Promise<StripeClientLike> {
  // Typed by hand: the package's typings differ between module resolutions (bundler vs node16, as the build uses).
  const loaded = (await import('stripe')) as unknown as { readonly default?: StripeConstructor } & StripeConstructor;
  // The package is CommonJS (`module.exports = Stripe`): bundlers and Node's ESM loader put it on `default`,
  // but some interop layers hand back the constructor itself.
  const StripeClass: StripeConstructor = typeof loaded.default === 'function' ? loaded.default : loaded;
  return new StripeClass(apiKey, {
    host: target.host,
    port: target.port,
    protocol: target.protocol,
    telemetry: false,
    timeout: 10_000,
    appInfo: { name: 'stripe-webhooks-aws' },
    maxNetworkRetries: 0,
  });
}

/** The fields of stripe-node's `StripeError` that the retry and error decisions read. */
interface StripeErrorFields {
  message: string;
  statusCode: number | undefined;
  rawType: string | undefined;
  code: string | undefined;
  requestId: string | undefined;
  shouldRetryHeader: string | undefined;
}

/** Duck-typed, because the module (and so its classes for `instanceof`) is loaded lazily. */
function stripeErrorFields(error: unknown): StripeErrorFields {
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
  if (status === 403) return 'Give the restricted key read access to customers and subscriptions.';
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

interface CacheEntry {
  value: Promise<unknown>;
  /** Undefined while the request is in flight: concurrent callers share it. */
  expiresAt: number | undefined;
}

export function createStripeApi(options: CreateStripeApiOptions): StripeApi {
  const target = parseStripeApiUrl(options.apiUrl);
  const maxRetries = options.maxRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  const cacheTtlMs = options.cacheTtlMs ?? 5 * 60_000;
  const cacheMaxEntries = options.cacheMaxEntries ?? 500;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const createClient = options.createClient ?? stripePackageClient;
  const limiter = createRateLimiter({ ratePerSecond: options.ratePerSecond ?? 25, now, sleep });
  const cache = new Map<string, CacheEntry>();

  let apiKey: string | undefined;
  let client: Promise<StripeClientLike> | undefined;
  // One client per container; a failed key read is not kept, so the next call tries again.
  const getClient = (): Promise<StripeClientLike> => {
    client ??= options
      .apiKey()
      .then((key) => {
        apiKey = key;
        return createClient(key, target);
      })
      .catch((error: unknown) => {
        client = undefined;
        throw error;
      });
    return client;
  };

  const backoffMs = (retry: number): number => {
    const ceiling = Math.min(retryBaseMs * 2 ** (retry - 1), retryMaxMs);
    // Jitter in [ceiling/2, ceiling): containers that failed together don't retry together.
    return ceiling * (0.5 + 0.5 * random());
  };

  async function call<T>(path: string, request: (stripe: StripeClientLike) => Promise<T>): Promise<T> {
    const stripe = await getClient();
    for (let attempt = 1; ; attempt += 1) {
      await limiter.acquire();
      try {
        return await request(stripe);
      } catch (error) {
        const fields = stripeErrorFields(error);
        const message = redactKey(fields.message, apiKey);
        if (fields.statusCode === 404 && fields.code === 'resource_missing') {
          throw new StripeObjectNotFoundError(
            `${message} (GET ${path}, request ${fields.requestId ?? 'unknown'}). Check that the key is of the same mode (live or test) and account as the events.`,
          );
        }
        if (isRetryable(fields) && attempt <= maxRetries) {
          const delayMs = backoffMs(attempt);
          options.logger?.warn('Stripe API call failed; retrying', {
            path,
            status: fields.statusCode,
            code: fields.code,
            attempt,
            delayMs: Math.round(delayMs),
          });
          await sleep(delayMs);
          continue;
        }
        const status = fields.statusCode === undefined ? 'no response' : String(fields.statusCode);
        const kind = [fields.rawType, fields.code].filter((part) => part !== undefined).join('/');
        throw new StripeApiError(
          `Stripe answered ${status}${kind === '' ? '' : ` ${kind}`} to GET ${path} after ${attempt} attempt${attempt === 1 ? '' : 's'} ` +
            `(request ${fields.requestId ?? 'unknown'}): ${message.replace(/\.?$/, '.')} ${whatToCheck(fields.statusCode, target)}`,
          { status: fields.statusCode, type: fields.rawType, code: fields.code },
        );
      }
    }
  }

  function cached<T>(key: string, path: string, request: (stripe: StripeClientLike) => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit !== undefined && (hit.expiresAt === undefined || now() < hit.expiresAt)) {
      // Re-insert so Map order is least recently used first.
      cache.delete(key);
      cache.set(key, hit);
      return hit.value as Promise<T>;
    }
    const entry: CacheEntry = { value: Promise.resolve(), expiresAt: undefined };
    const value = call(path, request).then(
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

  return {
    retrieveCustomer: (id) =>
      cached(`customer:${id}`, `/v1/customers/${id}`, (stripe) => stripe.customers.retrieve(id)),
    retrieveSubscription: (id) =>
      cached(`subscription:${id}`, `/v1/subscriptions/${id}`, (stripe) => stripe.subscriptions.retrieve(id)),
  };
}
