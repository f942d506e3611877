/**
 * Every event type `npm run trigger` and the local console can build: the snapshot types of the pinned
 * `stripe` package whose object Stripe publishes an example of, and its thin (v2) types. The list and
 * each type's object come from `events/stripe-event-types.json`, generated from the package's types
 * (tools/generate-event-types.ts), never kept by hand. The types with a rich builder in
 * tools/stripe-events.ts get coherent amounts and addresses; every other snapshot type gets Stripe's
 * example object with fresh test ids and times, and `--override path=value` sets what a test needs.
 */
import Stripe from 'stripe';
import eventTypes from '../events/stripe-event-types.json';
import fixturesFile from '../events/stripe-fixtures/fixtures.json';
import { completeAlertExample } from './alert-event-examples';
import { buildThinEvent } from './event-deliveries';
import {
  type BuildStripeEventOptions,
  buildStripeEvent,
  fixture,
  InvalidEventOptionError,
  isSupportedEventType,
  keepAmountsCoherent,
  testObjectId,
} from './stripe-events';

const snapshotObjects: Readonly<Record<string, readonly string[]>> = eventTypes.snapshot;
const thinRelatedObjects: Readonly<Record<string, string | null>> = eventTypes.thin;
const fixtureNames = new Set(Object.keys(fixturesFile.resources));

/** The example object a snapshot type is built around: the first of its possible objects Stripe has an example of. */
function exampleResourceOf(type: string): string | undefined {
  return snapshotObjects[type]?.find((name) => fixtureNames.has(name));
}

/** Snapshot types that can be built, sorted. */
export const snapshotEventTypes: readonly string[] = Object.keys(snapshotObjects).filter(
  (type) => exampleResourceOf(type) !== undefined,
);

/** Thin (v2 event destination) types, sorted. */
export const thinEventTypes: readonly string[] = Object.keys(thinRelatedObjects);

/** Everything `npm run trigger -- --list` prints: snapshot types, then thin types. */
export const triggerableEventTypes: readonly string[] = [...snapshotEventTypes, ...thinEventTypes];

export type EventKind = 'snapshot' | 'thin';

export function eventKindOf(type: string): EventKind | undefined {
  if (type in thinRelatedObjects) return 'thin';
  return exampleResourceOf(type) === undefined ? undefined : 'snapshot';
}

export class UnknownTriggerEventTypeError extends Error {
  constructor(type: string) {
    const near = triggerableEventTypes.filter((t) => t.startsWith(type.split('.')[0] ?? type)).slice(0, 8);
    super(
      `Cannot build a "${type}" event: it is not an event type of the pinned stripe package, or Stripe publishes no ` +
        `example of its object.${near.length ? ` Similar: ${near.join(', ')}.` : ''} ` +
        '`npm run trigger -- --list` prints every type that can be built.',
    );
    this.name = 'UnknownTriggerEventTypeError';
  }
}

export interface BuiltEvent {
  readonly kind: EventKind;
  /** The event as Stripe posts it: a snapshot event, or a thin event notification (`"object": "v2.core.event"`). */
  readonly event: { readonly id: string; readonly type: string } & Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stripe's example with fresh test ids and times: the example's own ids and 2009 timestamps would collide and mislead. */
function exampleEvent(
  type: string,
  resource: string,
  options: Omit<BuildStripeEventOptions, 'object'>,
): BuiltEvent['event'] {
  const object = fixture<Record<string, unknown>>(resource);
  const created = options.created ?? Math.floor(Date.now() / 1000);
  if (typeof object.id === 'string') object.id = testObjectId(object.id.split('_')[0] || 'obj');
  if (typeof object.created === 'number') object.created = created;
  if ('livemode' in object) object.livemode = options.livemode ?? false;
  // A dispute's deadline after the event, a failed payout that failed: what the business alerts read.
  completeAlertExample(type, object, created);
  return {
    id: options.id ?? testObjectId('evt'),
    object: 'event',
    // What Stripe sends to an endpoint on the pinned version, as the rich builders do.
    api_version: Stripe.API_VERSION,
    created,
    data: { object },
    livemode: options.livemode ?? false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** The related object of a thin event, in the shape `/v2/core/events` gives it. */
function relatedObjectOf(objectType: string | null) {
  if (objectType === null) return null;
  const v2 = objectType.startsWith('v2.');
  const path = (v2 ? objectType.slice(3) : objectType).split('.');
  const example = fixtureNames.has(objectType) ? fixture<{ id?: unknown }>(objectType).id : undefined;
  const prefix = typeof example === 'string' ? (example.split('_')[0] ?? 'obj') : (path.at(-1) ?? 'obj').slice(0, 4);
  const id = testObjectId(prefix);
  return { id, type: objectType, url: `/${v2 ? 'v2' : 'v1'}/${path.join('/')}s/${id}` };
}

/** Builds a realistic event of any listed type; throws {@link UnknownTriggerEventTypeError} for any other. */
export function buildAnyEvent(type: string, options: Omit<BuildStripeEventOptions, 'object'> = {}): BuiltEvent {
  if (type in thinRelatedObjects) {
    const event = buildThinEvent(type, {
      ...(options.id === undefined ? {} : { id: options.id }),
      ...(options.livemode === undefined ? {} : { livemode: options.livemode }),
      relatedObject: relatedObjectOf(thinRelatedObjects[type] ?? null),
    });
    return { kind: 'thin', event };
  }
  if (isSupportedEventType(type)) {
    const event = buildStripeEvent(type, options) as unknown as BuiltEvent['event'];
    return { kind: 'snapshot', event };
  }
  const resource = exampleResourceOf(type);
  if (resource === undefined) throw new UnknownTriggerEventTypeError(type);
  return { kind: 'snapshot', event: exampleEvent(type, resource, options) };
}

const unsafeKeys = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Applies `path=value` overrides to the event in place: `data.object.amount_paid=1500`,
 * `data.object.lines.data.0.currency=eur`, `livemode=true`. The value is read as JSON when it parses
 * (numbers, booleans, null, objects), else taken as a string; missing objects on the path are created.
 * Then what an overridden amount decides follows it, unless overridden too (a partial `amount_refunded`
 * makes the charge `refunded: false`): see {@link keepAmountsCoherent}.
 */
export function applyOverrides(event: Record<string, unknown>, overrides: readonly string[]): void {
  const paths: string[][] = [];
  for (const override of overrides) {
    const at = override.indexOf('=');
    const path = at > 0 ? override.slice(0, at).split('.') : [];
    if (path.length === 0 || path.some((key) => key === '' || unsafeKeys.has(key))) {
      throw new InvalidEventOptionError(
        'override',
        override,
        'path=value with a dotted path, e.g. data.object.amount=500',
      );
    }
    paths.push(path);
    const raw = override.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: a plain string such as eur or cus_123
    }
    let target: Record<string, unknown> | unknown[] = event;
    for (const key of path.slice(0, -1)) {
      const next: unknown = Array.isArray(target) ? target[Number(key)] : target[key];
      if (isRecord(next) || Array.isArray(next)) {
        target = next;
        continue;
      }
      const created: Record<string, unknown> = {};
      if (Array.isArray(target)) target[Number(key)] = created;
      else target[key] = created;
      target = created;
    }
    const last = path.at(-1) as string;
    if (Array.isArray(target)) {
      if (!/^\d+$/.test(last)) {
        throw new InvalidEventOptionError('override', override, `an array index after ${path.slice(0, -1).join('.')}`);
      }
      target[Number(last)] = value;
    } else target[last] = value;
  }
  keepAmountsCoherent(event, paths);
}
