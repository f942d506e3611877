/**
 * What the Stripe webhook endpoint of a stack should be, and how the one Stripe has differs: the events
 * it sends (against the subscriptions registry), its URL and its API version. Pure, shared by
 * `npm run stripe:endpoint` and the managed endpoint's custom resource.
 *
 * - `enabled_events` takes exact types or `*`, not prefixes: a registry with a prefix (`charge.dispute.*`)
 *   or `*` needs `*` (the receiver acknowledges, without queueing, any type no handler wants). Thin event
 *   types (`v1.`, `v2.`) are delivered by event destinations, not webhook endpoints, so they are left out.
 * - Stripe fixes an endpoint's `api_version` when it is created: a different version can only be had
 *   with a new endpoint (and a new signing secret), which `sync` does.
 * - The endpoint of a stack is the one whose metadata names it ({@link managedByMetadataKey}), else the
 *   one at its URL; so a changed URL shows as drift instead of as a missing endpoint.
 */

export { enabledEventsFor } from '../../config/enabled-events';

/** Metadata on the endpoints this project manages: the stack (or `local`) they belong to. */
export const managedByMetadataKey = 'stripe-webhooks-aws-stack';

export interface DesiredEndpoint {
  readonly url: string;
  readonly enabledEvents: readonly string[];
  readonly apiVersion: string;
  /** The stack (or `local`) the endpoint belongs to, kept in its metadata. */
  readonly owner: string;
}

/** The fields of Stripe's `WebhookEndpoint` that are compared. */
export interface ExistingEndpoint {
  readonly id: string;
  readonly url: string;
  readonly enabled_events: readonly string[];
  readonly api_version: string | null;
  readonly status: string;
  readonly metadata?: Readonly<Record<string, string>> | null;
}

export type EndpointDifference =
  | { readonly field: 'endpoint'; readonly expected: string }
  | { readonly field: 'enabled_events'; readonly missing: readonly string[]; readonly extra: readonly string[] }
  | { readonly field: 'url' | 'api_version' | 'status'; readonly expected: string; readonly actual: string };

export function findEndpoint<E extends ExistingEndpoint>(
  endpoints: readonly E[],
  desired: DesiredEndpoint,
): E | undefined {
  return (
    endpoints.find((endpoint) => endpoint.metadata?.[managedByMetadataKey] === desired.owner) ??
    endpoints.find((endpoint) => endpoint.url === desired.url)
  );
}

export function endpointDifferences(
  desired: DesiredEndpoint,
  actual: ExistingEndpoint | undefined,
): EndpointDifference[] {
  if (actual === undefined) return [{ field: 'endpoint', expected: desired.url }];
  const differences: EndpointDifference[] = [];
  if (actual.url !== desired.url) differences.push({ field: 'url', expected: desired.url, actual: actual.url });
  const have = new Set(actual.enabled_events);
  const want = new Set(desired.enabledEvents);
  // `*` covers every type; anything beside it is redundant, not missing.
  const missing = have.has('*') ? [] : [...want].filter((type) => !have.has(type)).sort();
  const extra = want.has('*') ? [] : [...have].filter((type) => !want.has(type)).sort();
  if (missing.length > 0 || extra.length > 0) differences.push({ field: 'enabled_events', missing, extra });
  if (actual.api_version !== desired.apiVersion) {
    differences.push({
      field: 'api_version',
      expected: desired.apiVersion,
      actual: actual.api_version ?? "(none: the account's default)",
    });
  }
  if (actual.status !== 'enabled') differences.push({ field: 'status', expected: 'enabled', actual: actual.status });
  return differences;
}

/** One line per difference, saying what is wrong and what `sync` would do about it. */
export function formatDifferences(differences: readonly EndpointDifference[]): string {
  return differences
    .map((difference) => {
      switch (difference.field) {
        case 'endpoint':
          return `- no webhook endpoint for ${difference.expected} (sync creates it)`;
        case 'enabled_events':
          return [
            ...difference.missing.map((type) => `- enabled_events lacks ${type}: Stripe never sends it`),
            ...difference.extra.map((type) => `- enabled_events has ${type}, which no handler subscribes to`),
          ].join('\n');
        case 'api_version':
          return `- api_version is ${difference.actual}, expected ${difference.expected} (Stripe cannot change it: sync replaces the endpoint)`;
        default:
          return `- ${difference.field} is ${difference.actual}, expected ${difference.expected}`;
      }
    })
    .join('\n');
}

export type SyncPlan =
  | { readonly kind: 'none'; readonly id: string }
  | { readonly kind: 'create' }
  | {
      readonly kind: 'update';
      readonly id: string;
      readonly changes: {
        readonly url?: string;
        readonly enabledEvents?: readonly string[];
        readonly disabled?: false;
      };
    }
  /** A new endpoint, then the old one deleted: the API version cannot be changed in place. */
  | { readonly kind: 'replace'; readonly id: string };

export function syncPlan(desired: DesiredEndpoint, actual: ExistingEndpoint | undefined): SyncPlan {
  const differences = endpointDifferences(desired, actual);
  if (actual === undefined) return { kind: 'create' };
  if (differences.length === 0) return { kind: 'none', id: actual.id };
  if (differences.some((difference) => difference.field === 'api_version')) return { kind: 'replace', id: actual.id };
  const changes: { url?: string; enabledEvents?: readonly string[]; disabled?: false } = {};
  for (const difference of differences) {
    if (difference.field === 'url') changes.url = desired.url;
    if (difference.field === 'enabled_events') changes.enabledEvents = desired.enabledEvents;
    if (difference.field === 'status') changes.disabled = false;
  }
  return { kind: 'update', id: actual.id, changes };
}
