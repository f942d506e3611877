/**
 * The context keys of the billing state feature, read by the stack itself (like `ingress`), so that they
 * work without being passed down by the app:
 *
 * - `billingState=true|false` (default false): keep each customer's billing state in a table synced from
 *   Stripe's API; needs `stripeApiKeySecretName`.
 * - `billingStatePastDueAccess=true|false` (default true): whether a `past_due` subscription gives access.
 * - `billingStateOff=<type>,<type>`: event types not synced from (see `billingSyncEventTypes`).
 * - `billingStateSyncDelaySeconds=<0..900>` (default the runtime's, 5): how long a sync request waits.
 *
 * The options keys are refused without `billingState=true`, as `stripeEventSourceName` is without EventBridge.
 */
import type { Node } from 'constructs';
import { contextKeys, InvalidContextError } from './app-context';
import type { BillingStateOptions } from './billing-state';
import { contextInteger } from './operations/operations-props';
import { billingStateKeyRequiredRule, billingSyncDelayRule, billingSyncOffRule } from './pipeline-props';

function contextBoolean(node: Node, key: string): boolean | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^\s*(true|false)\s*$/i.test(value)) return value.trim().toLowerCase() === 'true';
  throw new InvalidContextError(key, value, 'true or false');
}

/** A comma-separated list (`-c key=a,b`), or a JSON array of strings in cdk.json. */
function contextList(node: Node, key: string): string[] | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) {
    return value.map((entry: string) => entry.trim()).filter((entry) => entry !== '');
  }
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  }
  throw new InvalidContextError(
    key,
    value,
    'a comma-separated list of event types (or a JSON array of them in cdk.json)',
  );
}

/**
 * The `billingState` prop as the context gives it: `undefined` when `-c billingState` is not true, else its
 * options. Throws `InvalidContextError` on a bad value, on `billingState=true` without
 * `stripeApiKeySecretName`, and on an options key without `billingState=true`.
 */
export function billingStateContextOf(
  node: Node,
  stripeApiKeySecretName: string | undefined,
): BillingStateOptions | undefined {
  const on = contextBoolean(node, contextKeys.billingState) ?? false;
  const pastDueAccess = contextBoolean(node, contextKeys.billingStatePastDueAccess);
  const off = contextList(node, contextKeys.billingStateOff);
  const delayRule = billingSyncDelayRule(-1) ?? '';
  const syncDelaySeconds = contextInteger(node, contextKeys.billingStateSyncDelaySeconds, delayRule);
  if (!on) {
    const given = [
      ...(pastDueAccess === undefined ? [] : [contextKeys.billingStatePastDueAccess]),
      ...(off === undefined ? [] : [contextKeys.billingStateOff]),
      ...(syncDelaySeconds === undefined ? [] : [contextKeys.billingStateSyncDelaySeconds]),
    ];
    const [first] = given;
    if (first !== undefined) {
      throw new InvalidContextError(
        first,
        node.tryGetContext(first),
        `left out without -c ${contextKeys.billingState}=true, which it configures (or set -c ${contextKeys.billingState}=true)`,
      );
    }
    return undefined;
  }
  if (stripeApiKeySecretName === undefined) {
    throw new InvalidContextError(
      contextKeys.billingState,
      node.tryGetContext(contextKeys.billingState),
      `used with -c ${contextKeys.stripeApiKeySecretName}=<secret name>: ${billingStateKeyRequiredRule}`,
    );
  }
  if (off !== undefined) {
    const rule = billingSyncOffRule(off);
    if (rule !== undefined) {
      throw new InvalidContextError(
        contextKeys.billingStateOff,
        off.join(','),
        `a list of the types the billing sync listens to: ${rule.replace(/\.$/, '')}`,
      );
    }
  }
  if (syncDelaySeconds !== undefined && billingSyncDelayRule(syncDelaySeconds) !== undefined) {
    throw new InvalidContextError(contextKeys.billingStateSyncDelaySeconds, syncDelaySeconds, delayRule);
  }
  return {
    ...(off === undefined ? {} : { off }),
    ...(pastDueAccess === undefined ? {} : { pastDueAccess }),
    ...(syncDelaySeconds === undefined ? {} : { syncDelaySeconds }),
  };
}
