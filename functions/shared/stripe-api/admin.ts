/**
 * What the operator tools and the stack's own functions need of Stripe's API beyond the handlers'
 * lookups: the Events API (replay, reconciler) and webhook endpoints (the managed endpoint, `npm run
 * stripe:endpoint`). The calls go through the same key handling, rate limit and retries as `ctx.stripe`
 * ({@link createStripeCaller}), with the `stripe` package's typed client.
 */
import type Stripe from 'stripe';
import { type CreateStripeApiOptions, createStripeCaller, newStripeClient, type StripeApiTarget } from './client';

/** The page of events Stripe answers for one `GET /v1/events`, newest first. */
export interface StripeEventPage {
  readonly data: readonly Stripe.Event[];
  readonly hasMore: boolean;
}

export interface ListEventsQuery {
  /** Epoch seconds, inclusive. */
  readonly createdGte: number;
  /** Epoch seconds, inclusive. */
  readonly createdLte: number;
  /** Up to 20 exact types; all types when absent. */
  readonly types?: readonly string[];
  /** `false`: only events whose delivery has not succeeded (pending or failed). */
  readonly deliverySuccess?: boolean;
  /** The last event of the previous page. */
  readonly startingAfter?: string;
  /** 1 to 100. @default 100 */
  readonly limit?: number;
}

/** A thin event (`"object": "v2.core.event"`) as `GET /v2/core/events` lists it; `created` is an RFC 3339 time. */
export interface ListedThinEvent {
  readonly id: string;
  readonly object: 'v2.core.event';
  readonly type: string;
  readonly created: string;
  readonly [field: string]: unknown;
}

/** One page of `GET /v2/core/events`, newest first; `nextPage` is the token for the next, absent on the last. */
export interface ThinEventPage {
  readonly data: readonly ListedThinEvent[];
  readonly nextPage?: string;
}

export interface ListThinEventsQuery {
  /** Epoch seconds, inclusive (sent as RFC 3339, as API v2 takes times). */
  readonly createdGte: number;
  /** Epoch seconds, inclusive. */
  readonly createdLte: number;
  /** Up to 20 exact types; all types when absent. */
  readonly types?: readonly string[];
  /** The token of the previous page's `next_page_url`. */
  readonly page?: string;
  /** 1 to 20. @default 20 */
  readonly limit?: number;
}

export interface WebhookEndpointSettings {
  readonly url: string;
  readonly enabledEvents: readonly string[];
  readonly description?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface StripeAdminApi {
  listEvents(query: ListEventsQuery): Promise<StripeEventPage>;
  /** Thin events (API v2). Stripe keeps no delivery status for them: there is no `delivery_success` here. */
  listThinEvents(query: ListThinEventsQuery): Promise<ThinEventPage>;
  /** Every webhook endpoint of the key's account and mode (paged through), newest first. */
  listWebhookEndpoints(): Promise<Stripe.WebhookEndpoint[]>;
  /** The answer holds the endpoint's signing secret (`secret`), which Stripe shows only here. */
  createWebhookEndpoint(
    settings: WebhookEndpointSettings & { readonly apiVersion: string; readonly connect?: boolean },
  ): Promise<Stripe.WebhookEndpoint>;
  /** Stripe cannot change an endpoint's `api_version` or `connect`: only these. */
  updateWebhookEndpoint(
    id: string,
    changes: Partial<WebhookEndpointSettings> & { readonly disabled?: boolean },
  ): Promise<Stripe.WebhookEndpoint>;
  deleteWebhookEndpoint(id: string): Promise<void>;
}

/** What of the `stripe` client these calls use: the seam tests replace. */
export interface StripeAdminClientLike {
  events: Pick<Stripe['events'], 'list'>;
  /** `stripe.v2.core.events.list`, typed loosely: its typed params know `created` only as numbers, v2 takes RFC 3339. */
  v2: {
    core: {
      events: {
        list(params: Record<string, unknown>): Promise<{ data: unknown[]; next_page_url: string | null }>;
      };
    };
  };
  webhookEndpoints: Pick<Stripe['webhookEndpoints'], 'list' | 'create' | 'update' | 'del'>;
}

export type CreateStripeAdminApiOptions = Omit<
  CreateStripeApiOptions,
  'createClient' | 'cacheTtlMs' | 'cacheMaxEntries'
> & {
  /** Test seam. @default the `stripe` package's client */
  readonly createClient?: (apiKey: string, target: StripeApiTarget) => Promise<StripeAdminClientLike>;
};

type EnabledEvent = Stripe.WebhookEndpointCreateParams.EnabledEvent;

export function createStripeAdminApi(options: CreateStripeAdminApiOptions): StripeAdminApi {
  const call = createStripeCaller<StripeAdminClientLike>({
    ...options,
    createClient:
      options.createClient ??
      ((key: string, target: StripeApiTarget) => newStripeClient(key, target, options.httpClient)),
  });
  return {
    async listEvents(query) {
      const params: Stripe.EventListParams = {
        created: { gte: query.createdGte, lte: query.createdLte },
        limit: query.limit ?? 100,
        ...(query.types === undefined || query.types.length === 0 ? {} : { types: [...query.types] }),
        ...(query.deliverySuccess === undefined ? {} : { delivery_success: query.deliverySuccess }),
        ...(query.startingAfter === undefined ? {} : { starting_after: query.startingAfter }),
      };
      const page = await call('events', 'GET', '/v1/events', (stripe) => stripe.events.list(params));
      return { data: page.data, hasMore: page.has_more };
    },
    async listThinEvents(query) {
      const params = {
        created: {
          gte: new Date(query.createdGte * 1000).toISOString(),
          lte: new Date(query.createdLte * 1000 + 999).toISOString(),
        },
        limit: query.limit ?? 20,
        ...(query.types === undefined || query.types.length === 0 ? {} : { types: [...query.types] }),
        ...(query.page === undefined ? {} : { page: query.page }),
      };
      const page = await call('v2.core.events', 'GET', '/v2/core/events', (stripe) =>
        stripe.v2.core.events.list(params),
      );
      const nextPage =
        page.next_page_url === null
          ? null
          : new URL(page.next_page_url, 'https://api.stripe.com').searchParams.get('page');
      return {
        // stripe-node adds a fetchRelatedObject function to each; the queued body is the event's own fields.
        data: page.data.map((event) => JSON.parse(JSON.stringify(event)) as ListedThinEvent),
        ...(nextPage ? { nextPage } : {}),
      };
    },
    async listWebhookEndpoints() {
      const all: Stripe.WebhookEndpoint[] = [];
      let startingAfter: string | undefined;
      for (;;) {
        const params: Stripe.WebhookEndpointListParams = {
          limit: 100,
          ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
        };
        const page = await call('webhook_endpoints', 'GET', '/v1/webhook_endpoints', (stripe) =>
          stripe.webhookEndpoints.list(params),
        );
        all.push(...page.data);
        startingAfter = page.data.at(-1)?.id;
        if (!page.has_more || startingAfter === undefined) return all;
      }
    },
    createWebhookEndpoint(settings) {
      const params: Stripe.WebhookEndpointCreateParams = {
        url: settings.url,
        enabled_events: settings.enabledEvents as EnabledEvent[],
        api_version: settings.apiVersion as Stripe.WebhookEndpointCreateParams.ApiVersion,
        ...(settings.connect === undefined ? {} : { connect: settings.connect }),
        ...(settings.description === undefined ? {} : { description: settings.description }),
        ...(settings.metadata === undefined ? {} : { metadata: { ...settings.metadata } }),
      };
      return call('webhook_endpoints', 'POST', '/v1/webhook_endpoints', (stripe) =>
        stripe.webhookEndpoints.create(params),
      );
    },
    updateWebhookEndpoint(id, changes) {
      const params: Stripe.WebhookEndpointUpdateParams = {
        ...(changes.url === undefined ? {} : { url: changes.url }),
        ...(changes.enabledEvents === undefined ? {} : { enabled_events: changes.enabledEvents as EnabledEvent[] }),
        ...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.metadata === undefined ? {} : { metadata: { ...changes.metadata } }),
      };
      return call('webhook_endpoints', 'POST', `/v1/webhook_endpoints/${id}`, (stripe) =>
        stripe.webhookEndpoints.update(id, params),
      );
    },
    async deleteWebhookEndpoint(id) {
      await call('webhook_endpoints', 'DELETE', `/v1/webhook_endpoints/${id}`, (stripe) =>
        stripe.webhookEndpoints.del(id),
      );
    },
  };
}
