/**
 * This project's own subscriptions: the built-in customer emails. The construct's default
 * `subscriptionsEntry`; a team points that prop at a module of its own written like this one (see
 * `examples/custom-handlers/`). The types registered here are the ones to enable on the Stripe endpoint.
 */
import { builtInEmails, defineSubscriptions } from './handlers';

export default defineSubscriptions((_on, { include }) => {
  include(builtInEmails());
});
