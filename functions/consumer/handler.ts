/**
 * The consumer handler of this project's own subscriptions (`functions/subscriptions.ts`), for the
 * local pipeline and `npm run invoke`, which run the handlers unbundled. The deployed function is
 * bundled from `lambda-entry.ts` with the construct's `subscriptionsEntry`, the same module by default.
 */
import subscriptions from '../subscriptions';
import { createConsumerHandler } from './create-handler';

export const handler = createConsumerHandler(subscriptions);
