/**
 * Bundled and run at synth by the construct, with `stripe-webhooks-aws:subscriptions` aliased to its
 * `subscriptionsEntry` like the consumer's bundle: the event types the receiver must queue.
 */
import subscriptions from 'stripe-webhooks-aws:subscriptions';
import { subscribedTypesOf, subscriptionsOfModule } from './define-subscriptions';

export const subscribedTypes = subscribedTypesOf(
  subscriptionsOfModule(subscriptions, 'The default export of the subscriptions entry'),
);
