/**
 * The format in which the subscribed event types reach the receiver (environment variable
 * `SUBSCRIBED_EVENT_TYPES`): comma-separated entries, each an exact type (`invoice.paid`), a prefix
 * (`charge.dispute.*`) or `*` for every type. The construct writes it from the subscriptions at synth;
 * the receiver reads it. Why an environment variable rather than importing the consumer's registry or
 * an esbuild define: the receiver's bundle then carries no handler or email template, the same value
 * works unbundled (`npm start`, `npm run invoke`) and in `sam local invoke`, and the template shows
 * what the endpoint accepts. Lambda allows 4 KB of environment per function, so a list too long for
 * its budget is widened to first-segment prefixes (`invoice.*`): queuing a type no handler wants only
 * costs an invocation (the consumer acknowledges it as unhandled), never an event.
 */

/** Bytes the list may take of Lambda's 4 KB environment, leaving room for the receiver's other variables. */
export const subscribedTypesBudgetBytes = 3_000;

export class InvalidSubscribedTypesError extends Error {
  constructor(entry: string) {
    super(
      `${JSON.stringify(entry)} is not a subscribed event type: expected an exact type like invoice.paid, a prefix like charge.dispute.*, or *.`,
    );
    this.name = 'InvalidSubscribedTypesError';
  }
}

const entryPattern = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;

export function encodeSubscribedTypes(types: readonly string[]): string {
  for (const type of types) if (!entryPattern.test(type)) throw new InvalidSubscribedTypesError(type);
  return [...new Set(types)].sort().join(',');
}

/** Whether the receiver should queue an event type, for the list in `value`. */
export function subscribedTypeMatcher(value: string): (type: string) => boolean {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) if (!entryPattern.test(entry)) throw new InvalidSubscribedTypesError(entry);
  if (entries.includes('*')) return () => true;
  const exact = new Set(entries.filter((entry) => !entry.endsWith('.*')));
  const prefixes = entries.filter((entry) => entry.endsWith('.*')).map((entry) => entry.slice(0, -1));
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}

/**
 * The list as it fits the budget: unchanged when it does, else every exact type widened to its first
 * segment's prefix (`invoice.paid` → `invoice.*`), else `*`. `widened` says whether it had to.
 */
export function fitSubscribedTypes(
  types: readonly string[],
  budgetBytes = subscribedTypesBudgetBytes,
): { readonly value: string; readonly widened: boolean } {
  const value = encodeSubscribedTypes(types);
  if (Buffer.byteLength(value) <= budgetBytes) return { value, widened: false };
  const prefixes = encodeSubscribedTypes(types.map((type) => (type === '*' ? type : `${type.split('.')[0]}.*`)));
  return { value: Buffer.byteLength(prefixes) <= budgetBytes ? prefixes : '*', widened: true };
}

/**
 * Thin event types (`v1.billing.meter.error_report_triggered`, `v2.core.event_destination.ping`) start with an
 * API namespace; no snapshot type does. Stripe sends them only to an event destination of payload style
 * "thin", never to a snapshot webhook endpoint, so they are enabled separately.
 */
export function isThinEventType(entry: string): boolean {
  return /^v\d+\./.test(entry);
}

/** The subscribed entries to enable on a snapshot endpoint and on a thin destination (`*` is on both). */
export function splitSubscribedTypes(types: readonly string[]): { snapshot: string[]; thin: string[] } {
  return {
    snapshot: types.filter((entry) => !isThinEventType(entry)),
    thin: types.filter((entry) => isThinEventType(entry) || entry === '*'),
  };
}
