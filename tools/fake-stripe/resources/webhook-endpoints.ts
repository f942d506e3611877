/**
 * `/v1/webhook_endpoints`, as Stripe's API serves them (https://docs.stripe.com/api/webhook_endpoints):
 *
 * - `POST /v1/webhook_endpoints` creates one from `url` and `enabled_events[]` (both required), with
 *   optional `api_version`, `connect`, `description` and `metadata[...]`; the answer alone carries the
 *   signing `secret` (`whsec_...`): retrieve and list never show it again, as on Stripe. At most 16
 *   endpoints, Stripe's limit per account and mode.
 * - `POST /v1/webhook_endpoints/:id` updates `url`, `enabled_events[]`, `disabled`, `description`,
 *   `metadata[...]`. Like Stripe, `api_version` and `connect` cannot be changed after creation: sending
 *   them is Stripe's 400 "Received unknown parameter".
 * - `GET /v1/webhook_endpoints` (newest first, cursor-paginated), `GET` and `DELETE /v1/webhook_endpoints/:id`
 *   (the deletion answer is `{ id, object, deleted: true }`); an unknown id is 404 `resource_missing`.
 * - The object has Stripe's fields: `api_version` (null when not set), `application: null`, `created`,
 *   `description`, `enabled_events`, `livemode: false`, `metadata`, `status` (`enabled`/`disabled`), `url`.
 *   `connect` is kept but not shown: Stripe's object has no such field either.
 *
 * Not copied: Stripe refuses URLs that are not publicly reachable (localhost, private addresses) and
 * event types it does not know; the fake accepts any http(s) URL, so `npm start`'s endpoint can be
 * registered, and any event type in Stripe's shape (`a.b_c`, `*`).
 */
import { randomBytes } from 'node:crypto';
import { paginate } from '../pagination';
import type { FakeRequest, Route } from '../router';
import { invalidParam, resourceMissing } from '../stripe-errors';
import {
  booleanParam,
  InvalidStripeParamError,
  listParam,
  parseStripeParams,
  rejectUnknown,
  type StripeParams,
  stringParam,
} from '../stripe-params';

export const maxWebhookEndpoints = 16;

export interface FakeWebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  api_version: string | null;
  application: null;
  created: number;
  description: string | null;
  enabled_events: string[];
  livemode: false;
  metadata: Record<string, string>;
  status: 'enabled' | 'disabled';
  url: string;
}

interface Stored {
  endpoint: FakeWebhookEndpoint;
  connect: boolean;
  sequence: number;
}

const createParams = ['url', 'enabled_events', 'api_version', 'connect', 'description', 'metadata'];
const updateParams = ['url', 'enabled_events', 'disabled', 'description', 'metadata'];

function checkedUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidStripeParamError('url', `Invalid URL: ${value}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidStripeParamError('url', `Invalid URL: ${value}. URLs must begin with http:// or https://`);
  }
  return value;
}

function checkedEvents(events: string[]): string[] {
  if (events.length === 0) throw new InvalidStripeParamError('enabled_events', 'enabled_events must not be empty.');
  events.forEach((event, index) => {
    if (event !== '*' && !/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(event)) {
      throw new InvalidStripeParamError(`enabled_events[${index}]`, `Invalid enabled_events[${index}]: ${event}`);
    }
  });
  return events;
}

function metadataOf(params: StripeParams, previous: Record<string, string>): Record<string, string> {
  const value = params.metadata;
  if (value === undefined) return previous;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidStripeParamError('metadata', 'Invalid metadata: give metadata[key]=value');
  }
  // As on Stripe: metadata is merged, and an empty value removes a key.
  const merged = { ...previous, ...value };
  for (const [key, text] of Object.entries(merged)) if (text === '') delete merged[key];
  return merged;
}

export class WebhookEndpointStore {
  private readonly endpoints = new Map<string, Stored>();
  private sequence = 0;

  constructor(private readonly nowSeconds: () => number) {}

  list(): FakeWebhookEndpoint[] {
    return [...this.endpoints.values()]
      .sort((a, b) => b.sequence - a.sequence)
      .map((stored) => structuredClone(stored.endpoint));
  }

  get(id: string): FakeWebhookEndpoint | undefined {
    const stored = this.endpoints.get(id);
    return stored === undefined ? undefined : structuredClone(stored.endpoint);
  }

  /** Whether the endpoint listens to connected accounts' events (not on Stripe's object; for tests). */
  connectOf(id: string): boolean | undefined {
    return this.endpoints.get(id)?.connect;
  }

  create(params: StripeParams): FakeWebhookEndpoint & { secret: string } {
    rejectUnknown(params, createParams);
    const url = stringParam(params, 'url');
    if (url === undefined) throw new InvalidStripeParamError('url', 'Missing required param: url.');
    const events = listParam(params, 'enabled_events');
    if (events === undefined) {
      throw new InvalidStripeParamError('enabled_events', 'Missing required param: enabled_events.');
    }
    const apiVersion = stringParam(params, 'api_version');
    if (apiVersion !== undefined && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(apiVersion)) {
      throw new InvalidStripeParamError('api_version', `Invalid Stripe API version: ${apiVersion}`);
    }
    if (this.endpoints.size >= maxWebhookEndpoints) {
      throw new InvalidStripeParamError(
        'url',
        `You have reached the maximum of ${maxWebhookEndpoints} test webhook endpoints.`,
      );
    }
    const endpoint: FakeWebhookEndpoint = {
      id: `we_${randomBytes(12).toString('hex')}`,
      object: 'webhook_endpoint',
      api_version: apiVersion ?? null,
      application: null,
      created: this.nowSeconds(),
      description: stringParam(params, 'description') ?? null,
      enabled_events: checkedEvents(events),
      livemode: false,
      metadata: metadataOf(params, {}),
      status: 'enabled',
      url: checkedUrl(url),
    };
    this.sequence += 1;
    this.endpoints.set(endpoint.id, {
      endpoint,
      connect: booleanParam(params, 'connect') ?? false,
      sequence: this.sequence,
    });
    // Made up per endpoint at run time, like Stripe's; it names itself fake so it is never mistaken for one.
    return { ...structuredClone(endpoint), secret: `whsec_fake_${randomBytes(16).toString('hex')}` };
  }

  update(id: string, params: StripeParams): FakeWebhookEndpoint | undefined {
    const stored = this.endpoints.get(id);
    if (stored === undefined) return undefined;
    rejectUnknown(params, updateParams);
    const url = stringParam(params, 'url');
    const events = listParam(params, 'enabled_events');
    const disabled = booleanParam(params, 'disabled');
    const description = stringParam(params, 'description');
    const next: FakeWebhookEndpoint = {
      ...stored.endpoint,
      ...(url === undefined ? {} : { url: checkedUrl(url) }),
      ...(events === undefined ? {} : { enabled_events: checkedEvents(events) }),
      ...(disabled === undefined ? {} : { status: disabled ? 'disabled' : 'enabled' }),
      ...(description === undefined ? {} : { description: description === '' ? null : description }),
      metadata: metadataOf(params, stored.endpoint.metadata),
    };
    stored.endpoint = next;
    return structuredClone(next);
  }

  delete(id: string): boolean {
    return this.endpoints.delete(id);
  }

  clear(): void {
    this.endpoints.clear();
    this.sequence = 0;
  }
}

function formParams(request: FakeRequest): StripeParams {
  return parseStripeParams(new URLSearchParams(request.body));
}

function answering(work: () => ReturnType<Route['handle']>): ReturnType<Route['handle']> {
  try {
    return work();
  } catch (error) {
    if (error instanceof InvalidStripeParamError) return invalidParam(error);
    throw error;
  }
}

export function webhookEndpointRoutes(store: WebhookEndpointStore): Route[] {
  const missing = (id: string) => resourceMissing('webhook endpoint', id);
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/webhook_endpoints$/,
      handle: (_params, request) =>
        answering(() => {
          const params = parseStripeParams(request.query);
          rejectUnknown(params, ['limit', 'starting_after', 'ending_before']);
          return { status: 200, body: paginate(store.list(), params, '/v1/webhook_endpoints', 'webhook endpoint') };
        }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/webhook_endpoints$/,
      handle: (_params, request) => answering(() => ({ status: 200, body: store.create(formParams(request)) })),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/,
      handle: ([id = '']) => {
        const found = store.get(id);
        return found === undefined ? missing(id) : { status: 200, body: found };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/,
      handle: ([id = ''], request) =>
        answering(() => {
          const updated = store.update(id, formParams(request));
          return updated === undefined ? missing(id) : { status: 200, body: updated };
        }),
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/webhook_endpoints\/([^/]+)$/,
      handle: ([id = '']) =>
        store.delete(id) ? { status: 200, body: { id, object: 'webhook_endpoint', deleted: true } } : missing(id),
    },
  ];
}
