/**
 * The events the fake sent (see event-store.ts), as Stripe's Events API serves them:
 *
 * - `GET /v1/events`: newest first, cursor-paginated (`limit`, `starting_after`, `ending_before`,
 *   `has_more`; pagination.ts), filtered by `created` (`created[gte]`, `[gt]`, `[lte]`, `[lt]` or an exact
 *   second), `type` (one type, or a group with `*`, e.g. `invoice.*`), `types[]` (up to 20 exact types; not
 *   with `type`) and `delivery_success` (`false`: events whose delivery has not succeeded, i.e. pending or
 *   failed; `true`: delivered). Like Stripe, only events of the last 30 days are listed or retrievable.
 *   Unknown parameters get Stripe's 400 "Received unknown parameter".
 * - `GET /v1/events/:id`: one snapshot event, else 404 `resource_missing`.
 * - `GET /v2/core/events`: thin events, newest first, as API v2 lists them: `limit` 1 to 20 (default
 *   10), `created[gte|gt|lte|lt]` as RFC 3339 times (v2 takes no Unix seconds), `types` (up to 20 exact
 *   types), `object_id` (the `related_object`'s id), and `page`, the opaque token of v2's
 *   `next_page_url` (`{ data, next_page_url, previous_page_url }`, no `has_more`). The last 30 days only.
 *   v2 has no `delivery_success`: Stripe cannot be asked which thin events were not delivered.
 * - `GET /v2/core/events/:id`: a thin event with its `data`, as the v2 API answers a thin event's
 *   notification; else 404 with v2's code `not_found`. A `v1.billing.meter.*` event gets the shape of its
 *   data in Stripe's docs (a summary, the error count and types, the validation window); any other gets
 *   the `data` it was posted with, or `{}`.
 */
import type { EventStore } from '../event-store';
import { paginate } from '../pagination';
import type { Route } from '../router';
import { invalidParam, resourceMissing, stripeError } from '../stripe-errors';
import {
  booleanParam,
  InvalidStripeParamError,
  inRange,
  integerParam,
  listParam,
  parseStripeParams,
  type RangeFilter,
  rangeFields,
  rangeParam,
  rejectUnknown,
  type StripeParams,
  stringParam,
} from '../stripe-params';

/** Stripe keeps events listable for 30 days. */
export const eventRetentionSeconds = 30 * 24 * 60 * 60;

const listParams = ['created', 'delivery_success', 'ending_before', 'limit', 'starting_after', 'type', 'types'];

function typeMatcher(type: string | undefined, types: string[] | undefined): (eventType: string) => boolean {
  if (type !== undefined && types !== undefined) {
    throw new InvalidStripeParamError('types', 'You may only specify one of these parameters: type, types.');
  }
  if (types !== undefined) {
    if (types.length > 20) throw new InvalidStripeParamError('types', 'types may hold at most 20 event types.');
    return (eventType) => types.includes(eventType);
  }
  if (type === undefined) return () => true;
  const pattern = new RegExp(
    `^${type
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return (eventType) => pattern.test(eventType);
}

function thinEventData(event: Record<string, unknown>): unknown {
  if (event.data !== undefined) return event.data;
  if (typeof event.type === 'string' && event.type.startsWith('v1.billing.meter.')) {
    const created = typeof event.created === 'string' ? event.created : new Date().toISOString();
    return {
      developer_message_summary: 'There is 1 invalid event',
      reason: {
        error_count: 1,
        error_types: [
          {
            code: 'meter_event_no_customer_defined',
            error_count: 1,
            sample_errors: [{ error_message: 'No customer defined.' }],
          },
        ],
      },
      validation_start: created,
      validation_end: created,
    };
  }
  return {};
}

const thinListParams = ['created', 'limit', 'object_id', 'page', 'types'];

/** `created[gte]` and friends of API v2: RFC 3339 times, compared as instants (ms). */
function timeRangeParam(params: StripeParams): RangeFilter | undefined {
  return rangeFields(params, 'created', (text, field) => {
    const instant = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(instant)) {
      throw new InvalidStripeParamError(
        `created[${field}]`,
        `Invalid date-time: ${text} for created[${field}]; API v2 takes RFC 3339 times such as 2026-12-01T08:00:00.000Z`,
      );
    }
    return instant;
  });
}

// The page token is opaque to callers, as on Stripe: here, the offset into the filtered list.
const pageToken = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
function pageOffset(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (match === null) throw new InvalidStripeParamError('page', `Invalid page token: ${token.slice(0, 40)}`);
  return Number(match[1]);
}

function listThinEvents(events: EventStore, params: StripeParams, listable: (createdMs: number) => boolean) {
  rejectUnknown(params, thinListParams);
  const limit = integerParam(params, 'limit', 1, 20) ?? 10;
  const created = timeRangeParam(params);
  const types = listParam(params, 'types');
  if (types !== undefined && types.length > 20) {
    throw new InvalidStripeParamError('types', 'types may hold at most 20 event types.');
  }
  const objectId = stringParam(params, 'object_id');
  const matching = events.thinEventsNewestFirst().filter((event) => {
    const createdMs = Date.parse(String(event.created));
    const related = event.related_object as { id?: unknown } | null | undefined;
    return (
      listable(createdMs) &&
      inRange(createdMs, created) &&
      (types === undefined || types.includes(String(event.type))) &&
      (objectId === undefined || related?.id === objectId)
    );
  });
  const offset = pageOffset(stringParam(params, 'page'));
  const next = offset + limit;
  // The next page's URL keeps the filters, as v2's does, with the page token in place of the offset.
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (name === 'page') continue;
    if (typeof value === 'string') query.set(name, value);
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) query.append(`${name}[${index}]`, item);
    } else for (const [field, text] of Object.entries(value)) query.set(`${name}[${field}]`, text);
  }
  query.set('page', pageToken(next));
  return {
    data: matching.slice(offset, next),
    next_page_url: next < matching.length ? `/v2/core/events?${query.toString()}` : null,
    previous_page_url: null,
  };
}

export function eventRoutes(events: EventStore, nowSeconds: () => number): Route[] {
  const listable = (created: unknown): boolean =>
    typeof created === 'number' && created >= nowSeconds() - eventRetentionSeconds;
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/events$/,
      handle: (_params, request) => {
        try {
          const params = parseStripeParams(request.query);
          rejectUnknown(params, listParams);
          const created = rangeParam(params, 'created');
          const deliverySuccess = booleanParam(params, 'delivery_success');
          const matchesType = typeMatcher(stringParam(params, 'type'), listParam(params, 'types'));
          const matching = events
            .snapshotsNewestFirst()
            .filter(
              ({ event, delivered }) =>
                listable(event.created) &&
                inRange(event.created as number, created) &&
                matchesType(event.type as string) &&
                (deliverySuccess === undefined || delivered === deliverySuccess),
            )
            .map(({ event }) => event as Record<string, unknown> & { id: string });
          return { status: 200, body: paginate(matching, params, '/v1/events', 'event') };
        } catch (error) {
          if (error instanceof InvalidStripeParamError) return invalidParam(error);
          throw error;
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/events\/([^/]+)$/,
      handle: ([id = '']) => {
        const found = events.snapshot(id);
        if (found === undefined || !listable(found.event.created)) return resourceMissing('event', id);
        return { status: 200, body: found.event };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/core\/events$/,
      handle: (_params, request) => {
        try {
          const listable = (createdMs: number) => createdMs >= (nowSeconds() - eventRetentionSeconds) * 1000;
          return { status: 200, body: listThinEvents(events, parseStripeParams(request.query), listable) };
        } catch (error) {
          if (error instanceof InvalidStripeParamError) return invalidParam(error);
          throw error;
        }
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/core\/events\/([^/]+)$/,
      handle: ([id = '']) => {
        const found = events.thinEvent(id);
        if (found === undefined) {
          return stripeError(404, {
            type: 'invalid_request_error',
            code: 'not_found',
            message: `No such event: '${id}'`,
          });
        }
        return { status: 200, body: { ...found, data: thinEventData(found) } };
      },
    },
  ];
}
