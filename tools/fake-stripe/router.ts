/**
 * A tiny router: each resource family (`resources/*.ts`, `control.ts`) contributes routes, so adding
 * the events list or webhook endpoints is one more module, not a bigger switch.
 */

export interface FakeRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body; control routes parse it as JSON, Stripe routes as form data when they need it. */
  body: string;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Anchored pattern; its groups are the path parameters, already URI-decoded. */
  pattern: RegExp;
  handle(params: string[], request: FakeRequest): FakeResponse;
}

export type RouteMatch =
  | { kind: 'matched'; route: Route; params: string[] }
  | { kind: 'wrong-method' }
  | { kind: 'none' };

export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  let pathKnown = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    pathKnown = true;
    if (route.method !== method) continue;
    const params = match.slice(1).map((part) => decodeURIComponent(part ?? ''));
    return { kind: 'matched', route, params };
  }
  return pathKnown ? { kind: 'wrong-method' } : { kind: 'none' };
}

/**
 * The connected account a Stripe request acts for (its `Stripe-Account` header), undefined for the
 * platform: the objects it may see are that account's, as on Stripe.
 */
export function requestAccount(request: FakeRequest): string | undefined {
  const value = request.headers['stripe-account'];
  const account = Array.isArray(value) ? value[0] : value;
  return account === undefined || account === '' ? undefined : account;
}
