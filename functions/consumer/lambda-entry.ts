/**
 * The consumer function's bundle entry. `stripe-webhooks-aws:subscriptions` is not a package: the
 * construct aliases it (esbuild `--alias`) to its `subscriptionsEntry`, so a team's module is bundled
 * in without a generated file and without this package importing the team's code.
 */
import subscriptions from 'stripe-webhooks-aws:subscriptions';
import { createConsumerHandler } from './create-handler';

export const handler = createConsumerHandler(subscriptions);
