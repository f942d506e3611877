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
import { contextBoolean, contextList, refuseOptionsWithoutFeature, requireStripeApiKeyFor } from './feature-context';
import { contextInteger } from './operations/operations-props';
import { billingStateKeyRequiredRule, billingSyncDelayRule, billingSyncOffRule } from './pipeline-props';

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
  const off = contextList(node, contextKeys.billingStateOff, 'event types');
  const delayRule = billingSyncDelayRule(-1) ?? '';
  const syncDelaySeconds = contextInteger(node, contextKeys.billingStateSyncDelaySeconds, delayRule);
  if (!on) {
    refuseOptionsWithoutFeature(node, contextKeys.billingState, {
      [contextKeys.billingStatePastDueAccess]: pastDueAccess,
      [contextKeys.billingStateOff]: off,
      [contextKeys.billingStateSyncDelaySeconds]: syncDelaySeconds,
    });
    return undefined;
  }
  requireStripeApiKeyFor(node, contextKeys.billingState, stripeApiKeySecretName, billingStateKeyRequiredRule);
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
