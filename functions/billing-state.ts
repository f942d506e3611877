/**
 * `stripe-webhooks-aws/billing-state`: what a customer has, as Stripe's API last described it, kept in
 * sync by the pipeline's `billingState` feature. A team's Lambda reads it with one call:
 *
 * ```ts
 * const billing = createBillingStateReader({ tableName: process.env.BILLING_STATE_TABLE_NAME });
 * const state = await billing.getCustomer('cus_...');
 * if (billing.hasEntitlement(state, 'premium_support')) { ... }
 * ```
 */
export {
  type AccessPolicy,
  type BillingEntitlement,
  type BillingState,
  type BillingSubscription,
  type BillingSubscriptionItem,
  hasAccess,
  hasEntitlement,
  subscriptionGivesAccess,
} from './billing-state/billing-state';
export {
  type BillingStateAccess,
  BillingStateNotConfiguredError,
  type BillingStateReader,
  type CustomerOptions,
} from './billing-state/billing-state-service';
export { type BillingSyncEventType, billingSyncEventTypes } from './billing-state/billing-sync-types';
export { type BillingStateReaderOptions, createBillingStateReader } from './billing-state/reader';
export type { SyncOutcome } from './billing-state/sync-customer';
