/** Resolved at bundle time to the construct's `subscriptionsEntry` (see lambda-entry.ts). */
declare module 'stripe-webhooks-aws:subscriptions' {
  const subscriptions: import('./define-subscriptions').Subscriptions;
  export default subscriptions;
}
