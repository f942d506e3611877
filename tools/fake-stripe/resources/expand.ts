/**
 * `expand[]` as Stripe does it for the paths the fake serves: the id string at the path is replaced by the
 * object it names, in the same account; a null stays null (nothing to expand), and an object without that
 * field is left as it is. A payment method or source the fake knows (observed or set) is served as known;
 * any other id gets Stripe's example object with that id, attached to the customer that named it (a
 * customer's default payment method is attached to that customer on Stripe). Which paths a route accepts is
 * the route's to say (`expandParam`); the rest are Stripe's 400 "This property cannot be expanded".
 */
import type { ObjectStore } from '../object-store';
import { exampleObject } from './examples';

type StripeObject = Record<string, unknown>;
type Resolve = (id: string, owner: string | undefined) => StripeObject;

function isRecord(value: unknown): value is StripeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function customerIdOf(object: StripeObject): string | undefined {
  if (object.object === 'customer' && typeof object.id === 'string') return object.id;
  return typeof object.customer === 'string' ? object.customer : undefined;
}

/** Replaces the id at `path` (dot-separated) in `object` with `resolve(id)`, in place. */
function expandAt(object: StripeObject, path: readonly string[], resolve: Resolve, owner: string | undefined): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const value = object[head];
  if (rest.length > 0) {
    if (isRecord(value)) expandAt(value, rest, resolve, owner);
    return;
  }
  if (typeof value === 'string') object[head] = resolve(value, owner);
}

export function objectExpander(store: ObjectStore, account: string | undefined) {
  const example = (type: 'payment_method' | 'card' | 'source', id: string, owner: string | undefined) => ({
    ...(exampleObject(type, id) ?? { id, object: type }),
    customer: owner ?? null,
  });
  const paymentMethod: Resolve = (id, owner) =>
    store.get('payment_method', id, account) ?? example('payment_method', id, owner);
  // A default source is a card (card_...) or, for older integrations, a Source (src_...).
  const source: Resolve = (id, owner) =>
    store.get('card', id, account) ??
    store.get('source', id, account) ??
    example(id.startsWith('src_') ? 'source' : 'card', id, owner);
  const resolvers: Record<string, Resolve> = {
    default_payment_method: paymentMethod,
    'invoice_settings.default_payment_method': paymentMethod,
    default_source: source,
  };
  /** Expands `paths` (already checked by the route) in a copy of `object`. */
  return (object: StripeObject, paths: readonly string[]): StripeObject => {
    const expanded = structuredClone(object);
    for (const path of paths) {
      const resolve = resolvers[path];
      if (resolve !== undefined) expandAt(expanded, path.split('.'), resolve, customerIdOf(expanded));
    }
    return expanded;
  };
}

/** A list's `expand[]` paths (`data.x`) as paths into each item (`x`). */
export function itemPaths(paths: readonly string[]): string[] {
  return paths.map((path) => path.replace(/^data\./, ''));
}
